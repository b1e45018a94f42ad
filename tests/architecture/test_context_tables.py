"""No context's table points into another's: a customer, a product or an order of another
context is named by its id (or its SKU), never by a foreign key.

This is what lets a context leave with its tables (stage 2 on): a foreign key across contexts
would tie two databases together. It is also the bounded context at work: each context keeps
its own model of the same customer (orders a recipient and the address as it was at checkout,
payments a payer's id, notifications an e-mail address), built from what it was told.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

CONTEXTS = sorted(
    config.label for config in apps.get_app_configs() if config.name.startswith("monolith.")
)


def crossings(app_label: str) -> list[str]:
    """Each relation of ``app_label``'s models to a model of another app, as text."""
    found = []
    for model in apps.get_app_config(app_label).get_models():
        for field in model._meta.get_fields(include_hidden=True):
            related = field.related_model
            if not (field.is_relation and field.concrete and isinstance(related, type)):
                continue
            if related._meta.app_label != app_label:
                found.append(f"{model.__name__}.{field.name} -> {related._meta.label}")
    return found


def test_the_contexts_are_found() -> None:
    assert {"catalog", "customers", "orders"} <= set(CONTEXTS)


@pytest.mark.parametrize("context", CONTEXTS)
def test_no_table_of_a_context_holds_a_foreign_key_to_another_context(context: str) -> None:
    assert crossings(context) == [], f"{context} reaches into another context's tables"


def test_a_foreign_key_across_contexts_would_be_named() -> None:
    """The check can fail: a model with such a key, built but never migrated."""

    class Crossing(models.Model):
        customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT)

        class Meta:
            app_label = "orders"

        def __str__(self) -> str:
            return f"crossing {self.pk}"

    try:
        assert "Crossing.customer -> customers.Customer" in crossings("orders")
    finally:
        apps.all_models["orders"].pop("crossing")
        apps.clear_cache()

"""Every model of the shop has a usable admin page: listed, searchable, and it renders."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

# The shop's apps as this tree holds them: stage 2 adds the outboxes and the events tables and
# retires notifications.
SHOP_APPS = [
    config
    for config in apps.get_app_configs()
    if config.name.startswith("monolith.") or config.name == "strangler.events"
]
SHOP_MODELS = [model for config in SHOP_APPS for model in config.get_models()]


@pytest.mark.parametrize("model", SHOP_MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_with_list_display_and_search(model: type[models.Model]) -> None:
    assert model in admin.site._registry, f"{model._meta.label} has no admin"
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",), f"{model._meta.label}: no list_display"
    assert model_admin.search_fields or model_admin.list_filter, (
        f"{model._meta.label}: neither search nor filters"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", SHOP_MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_renders_for_staff(model: type[models.Model], client: Client) -> None:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "x"})
    assert response.status_code == 200, f"{url} answered {response.status_code}"

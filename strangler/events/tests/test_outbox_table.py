"""An outbox that moves to an app of its own adopts the table its earlier app made.

The monolith's outboxes did at stage 2 (``monolith/<context>/outbox/``, same table names): a
database from before keeps its rows, and gets back whichever index it lacks.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.db import connection

from strangler.events.outbox_table import create_or_adopt

LABEL = "orders_outbox"  # a producer of this project, by label: the library imports no app

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="DDL rolls back on PostgreSQL"),
]


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, c in constraints.items() if c["index"] and not c["primary_key"]}


def test_an_existing_table_keeps_its_rows_and_gets_back_a_missing_index() -> None:
    model = apps.get_model(LABEL, "OutboxMessage")
    table = model._meta.db_table
    row = model.objects.create(
        event_id=uuid.uuid4(), event_type="order.paid", aggregate_type="order",
        aggregate_id="7", payload={},
    )  # fmt: skip
    unsent = f"{table}_unsent"
    with connection.schema_editor() as editor:
        editor.execute(f"DROP INDEX {editor.quote_name(unsent)}")
    assert unsent not in _indexes(table)

    with connection.schema_editor() as editor:
        create_or_adopt(LABEL, "OutboxMessage").code(apps, editor)

    assert list(model.objects.values_list("pk", flat=True)) == [row.pk]
    assert {unsent, f"{table}_agg"} <= _indexes(table)


def test_a_database_without_the_table_gets_it() -> None:
    model = apps.get_model(LABEL, "OutboxMessage")
    table = model._meta.db_table
    with connection.schema_editor() as editor:
        editor.delete_model(model)
    assert table not in connection.introspection.table_names()

    with connection.schema_editor() as editor:
        create_or_adopt(LABEL, "OutboxMessage").code(apps, editor)

    assert table in connection.introspection.table_names()
    assert model.objects.count() == 0

"""A span per SQL statement from Django's execute hook, on whichever database the suite runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from strangler.telemetry import database

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(database, "_tracer", provider.get_tracer("test"))
    connection.ensure_connection()
    database._install(None, connection)
    try:
        yield exporter
    finally:
        connection.execute_wrappers.remove(database.traced_execute)


def test_each_statement_is_a_client_span_named_by_operation_and_table(
    spans: InMemorySpanExporter,
) -> None:
    users = get_user_model()
    users.objects.create(username="ana")
    users.objects.filter(username="ana").count()

    (insert, select) = spans.get_finished_spans()
    assert (insert.name, select.name) == ("INSERT auth_user", "SELECT auth_user")
    assert insert.kind == SpanKind.CLIENT
    assert insert.attributes is not None
    assert insert.attributes["db.system"] == connection.vendor
    assert "ana" not in str(insert.attributes["db.statement"])  # placeholders, not parameters


def test_a_failing_statement_is_an_error_span_and_savepoints_make_none(
    spans: InMemorySpanExporter,
) -> None:
    users = get_user_model()
    users.objects.create(username="ana")
    # the outer block opens a transaction, the inner one a savepoint, and the insert fails
    with transaction.atomic(), pytest.raises(IntegrityError), transaction.atomic():
        users.objects.create(username="ana")

    names = [(span.name, span.status.status_code.name) for span in spans.get_finished_spans()]
    assert names == [("INSERT auth_user", "UNSET"), ("INSERT auth_user", "ERROR")]


def test_the_wrapper_goes_first_so_a_nested_execute_wrapper_block_pops_its_own(
    spans: InMemorySpanExporter,
) -> None:
    def mine(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        return execute(sql, params, many, context)

    with connection.execute_wrapper(mine):
        database._install(None, connection)  # a reconnection inside the block: no duplicate
        assert connection.execute_wrappers == [database.traced_execute, mine]
    assert connection.execute_wrappers == [database.traced_execute]


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ('SELECT "a"."id" FROM "orders_order" "a" WHERE "a"."id" = %s', "SELECT orders_order"),
        ('INSERT INTO "orders_outboxmessage" ("id") VALUES (%s)', "INSERT orders_outboxmessage"),
        ('UPDATE "inventory_stockitem" SET "on_hand" = %s', "UPDATE inventory_stockitem"),
        ("  select 1", "SELECT"),
    ],
)
def test_span_names(sql: str, name: str) -> None:
    assert database.span_name(sql[:24].lstrip().upper(), sql) == name

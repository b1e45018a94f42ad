"""A span per SQL statement from Django's execute hook, on whichever database the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from strangler.telemetry import database
from strangler.telemetry.spanfile import JsonLinesProcessor
from strangler.telemetry.traces import read_spans

pytestmark = pytest.mark.django_db(transaction=True)


class Traced:
    """Statements recorded as SDK spans under a request span of a local provider."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.processor = SimpleSpanProcessor(self.exporter)
        provider = TracerProvider()
        provider.add_span_processor(self.processor)
        self.tracer = provider.get_tracer("test")

    def statements(self) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[Traced]:
    traced = Traced()
    monkeypatch.setattr(database._Sink, "processor", traced.processor)
    connection.ensure_connection()
    database._install(None, connection)
    try:
        yield traced
    finally:
        connection.execute_wrappers.remove(database.traced_execute)


def test_each_statement_is_a_client_span_under_the_current_one_named_by_operation_and_table(
    traced: Traced,
) -> None:
    users = get_user_model()
    with traced.tracer.start_as_current_span("POST api/v1/checkout") as request:
        users.objects.create(username="ana")
        users.objects.filter(username="ana").count()

    (insert, select) = traced.statements()
    assert (insert.name, select.name) == ("INSERT auth_user", "SELECT auth_user")
    assert insert.parent is not None and select.parent is not None
    assert insert.parent.span_id == select.parent.span_id == request.get_span_context().span_id
    assert insert.context is not None and insert.context.span_id != select.context.span_id
    assert insert.attributes is not None
    assert insert.attributes["db.system"] == connection.vendor
    assert "ana" not in str(insert.attributes["db.statement"])  # placeholders, not parameters


def test_a_failing_statement_is_an_error_span_and_savepoints_make_none(traced: Traced) -> None:
    users = get_user_model()
    with traced.tracer.start_as_current_span("POST api/v1/auth/register"):
        users.objects.create(username="ana")
        # the outer block opens a transaction, the inner one a savepoint, and the insert fails
        with transaction.atomic(), pytest.raises(IntegrityError), transaction.atomic():
            users.objects.create(username="ana")

    names = [(span.name, span.status.status_code.name) for span in traced.statements()]
    assert names == [("INSERT auth_user", "UNSET"), ("INSERT auth_user", "ERROR")]


def test_a_statement_no_traced_work_made_is_not_recorded(traced: Traced) -> None:
    get_user_model().objects.count()  # no current span: the relay polling, a probe

    assert traced.statements() == []


def test_in_a_span_file_a_statement_is_a_line_under_its_request(
    traced: Traced, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lines = JsonLinesProcessor(tmp_path / "monolith.jsonl")
    monkeypatch.setattr(database._Sink, "processor", lines)
    monkeypatch.setattr(database._Sink, "service", "monolith")
    with traced.tracer.start_as_current_span("POST api/v1/checkout") as request:
        get_user_model().objects.count()
        get_user_model().objects.count()  # described once, a span of its own each time
    lines.shutdown()

    statement, again = read_spans(tmp_path)
    assert (again.name, again.service) == (statement.name, statement.service)
    assert again.span_id != statement.span_id
    context = request.get_span_context()
    assert (statement.name, statement.kind, statement.service) == (
        "SELECT auth_user",
        "CLIENT",
        "monolith",
    )
    assert statement.trace_id == format(context.trace_id, "032x")
    assert statement.parent_span_id == format(context.span_id, "016x")
    assert statement.start <= statement.end


def test_the_wrapper_goes_first_so_a_nested_execute_wrapper_block_pops_its_own(
    traced: Traced,
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

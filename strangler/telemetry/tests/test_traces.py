"""Spans written as JSON lines by two services, read back as one trace and drawn as a waterfall."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, set_span_in_context

from strangler.telemetry.cli import main
from strangler.telemetry.spanfile import JsonLinesExporter
from strangler.telemetry.tracing import setup_tracing
from strangler.testing import OtlpCollector

MS = 1_000_000
T0 = 1_700_000_000_000 * MS


def _tracer(folder: Path, service: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(folder / f"{service}.jsonl")))
    return provider


def _checkout_trace(folder: Path) -> str:
    """A checkout in the monolith whose event a slow consumer in another service handles."""
    monolith = _tracer(folder, "monolith").get_tracer("test")
    notifications = _tracer(folder, "notifications").get_tracer("test")
    request = monolith.start_span("POST /api/v1/checkout", kind=SpanKind.SERVER, start_time=T0)
    inside = set_span_in_context(request)
    monolith.start_span("INSERT orders_order", context=inside, start_time=T0 + 2 * MS).end(
        end_time=T0 + 3 * MS
    )
    publish = monolith.start_span(
        "order.paid publish", context=inside, kind=SpanKind.PRODUCER, start_time=T0 + 4 * MS
    )
    carrier: dict[str, str] = {}
    inject(carrier, context=set_span_in_context(publish))  # the envelope's traceparent
    publish.end(end_time=T0 + 5 * MS)
    request.end(end_time=T0 + 10 * MS)
    consume = notifications.start_span(
        "notifications process order.paid",
        context=extract(carrier),
        kind=SpanKind.CONSUMER,
        start_time=T0 + 20 * MS,
    )
    consume.end(end_time=T0 + 4020 * MS)  # the slow hop: 4 of the trace's 4.02 seconds
    return format(request.get_span_context().trace_id, "032x")


def test_spans_of_two_services_keep_their_parent_links(tmp_path: Path) -> None:
    trace_id = _checkout_trace(tmp_path)

    records = [
        json.loads(line)
        for name in ("monolith", "notifications")
        for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()
    ]
    by_name = {record["name"]: record for record in records}
    assert {record["trace_id"] for record in records} == {trace_id}
    root = by_name["POST /api/v1/checkout"]
    assert root["parent_span_id"] == ""
    assert by_name["INSERT orders_order"]["parent_span_id"] == root["span_id"]
    assert by_name["order.paid publish"]["parent_span_id"] == root["span_id"]
    consume = by_name["notifications process order.paid"]
    assert consume["parent_span_id"] == by_name["order.paid publish"]["span_id"]
    assert (consume["service"], consume["kind"]) == ("notifications", "CONSUMER")


def test_the_list_puts_the_slowest_trace_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = _checkout_trace(tmp_path)
    quick = _tracer(tmp_path, "gateway").get_tracer("test")
    quick.start_span("GET /api/v1/products", start_time=T0).end(end_time=T0 + 1 * MS)

    assert main(["--dir", str(tmp_path), "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith(slow) and "4020.0 ms" in lines[2]
    assert "monolith, notifications" in lines[2]
    assert "monolith: POST /api/v1/checkout" in lines[2]
    assert "gateway: GET /api/v1/products" in lines[3]


def test_the_waterfall_nests_each_span_under_its_parent_and_shows_the_slow_hop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace_id = _checkout_trace(tmp_path)

    assert main(["--dir", str(tmp_path), "show", trace_id[:8]]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"trace {trace_id}: 4 spans, 4020.0 ms"
    rows = [line.split("  ") for line in out[3:]]
    names = [next(cell for cell in row[1:] if cell.strip()).rstrip() for row in rows]
    assert [name.strip() for name in names] == [
        "POST /api/v1/checkout",
        "INSERT orders_order",
        "order.paid publish",
        "notifications process order.paid",
    ]
    slow_row = out[3 + 3]
    assert slow_row.startswith("notifications")
    assert "      notifications process order.paid" in slow_row  # depth 3: under the publish
    assert "20.0 ms" in slow_row and "4000.0 ms" in slow_row
    assert "#" * 25 in slow_row  # the bar fills most of the timeline


def test_an_unknown_trace_or_an_empty_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--dir", str(tmp_path), "list"]) == 1
    assert "no spans in" in capsys.readouterr().err

    _checkout_trace(tmp_path)
    assert main(["--dir", str(tmp_path), "show", "ffff"]) == 1
    assert "no trace in" in capsys.readouterr().err


def test_a_line_cut_short_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _checkout_trace(tmp_path)
    with (tmp_path / "monolith.jsonl").open("a") as spans:
        spans.write('{"trace_id": "abc", "span_')

    assert main(["--dir", str(tmp_path), "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3  # header, rule, the one trace


def test_tracing_switched_off_sets_nothing_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")

    assert setup_tracing("monolith") is False


def test_a_query_no_traced_work_made_is_dropped_and_one_inside_a_request_kept() -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ParentBased

    from strangler.telemetry.tracing import WorkOnly

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(WorkOnly()))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")

    tracer.start_span("SELECT outbox (the relay polling)", kind=SpanKind.CLIENT).end()
    with tracer.start_as_current_span("POST api/v1/checkout", kind=SpanKind.SERVER):
        tracer.start_span("INSERT orders_order", kind=SpanKind.CLIENT).end()
    tracer.start_span("notifications process order.paid", kind=SpanKind.CONSUMER).end()

    kept = [span.name for span in exporter.get_finished_spans()]
    assert kept == [
        "INSERT orders_order",
        "POST api/v1/checkout",
        "notifications process order.paid",
    ]


def test_with_an_otlp_endpoint_a_services_spans_go_to_the_collector(tmp_path: Path) -> None:
    collector = OtlpCollector()
    program = (
        "from opentelemetry import trace\n"
        "from strangler.telemetry.tracing import setup_tracing\n"
        "assert setup_tracing('inventory')\n"
        "with trace.get_tracer('t').start_as_current_span('reserve stock'):\n"
        "    pass\n"
        "trace.get_tracer_provider().shutdown()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PYTEST_"))}
    env.update(OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint, TRACES_DIR=str(tmp_path))
    try:
        done = subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert [(service, name) for service, name, _, _ in collector.spans] == [
            ("inventory", "reserve stock")
        ]
        assert list(tmp_path.glob("*.jsonl")) == []  # to the collector, not to a file
    finally:
        collector.close()


def test_a_forked_process_writes_its_spans_too(tmp_path: Path) -> None:
    """Celery's pool processes are forked from the worker that set tracing up."""
    from strangler.telemetry.spanfile import JsonLinesProcessor

    provider = TracerProvider()
    provider.add_span_processor(JsonLinesProcessor(tmp_path / "svc.jsonl", interval=0.05))
    pid = os.fork()
    if pid == 0:  # the child: one span, then wait for the writer thread, never flush by hand
        provider.get_tracer("t").start_span("in the child").end()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (tmp_path / "svc.jsonl").exists():
            time.sleep(0.01)
        os._exit(0)
    os.waitpid(pid, 0)
    lines = (tmp_path / "svc.jsonl").read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["in the child"]

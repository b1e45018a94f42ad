"""OpenTelemetry tracing, set up once per process with ``setup_tracing(service)``.

Where spans go: to an OTLP collector over HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set
(Jaeger, the OpenTelemetry Collector), otherwise to a JSON-lines file per service in
``<var>/traces/`` (``TRACES_DIR``), which ``python -m strangler trace`` reads: every process
of a stage writes there, so one checkout can be followed across all of them.
``OTEL_SDK_DISABLED=true`` switches tracing off (spans become free no-ops).

What is traced: Django requests, the database (psycopg for PostgreSQL, sqlite3 for the
embedded default), outgoing HTTP (requests) and, when asked, Celery tasks. Integration events
carry the W3C ``traceparent`` in their envelope and in their message headers; the outbox, the
relay and the consumers make their own spans from it (``strangler.events``), so a consumer's
work joins the trace of the request that caused it.

What is not: probes and scrapes (``/health/``, ``/metrics``; ``OTEL_PYTHON_DJANGO_EXCLUDED_URLS``
changes the list), and a query or call that no traced work made (the relay's polling, a
probe's query): :class:`WorkOnly` drops those unless ``OTEL_TRACES_SAMPLER`` picks a sampler.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from strangler.config import env, var_dir

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_service: str | None = None
NOT_TRACED_URLS = "/health/,/metrics"


def enabled() -> bool:
    return not env.bool("OTEL_SDK_DISABLED", default=False)


def traces_dir() -> Path:
    path = Path(env.str("TRACES_DIR", default=str(var_dir("traces"))))
    path.mkdir(parents=True, exist_ok=True)
    return path


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One span as a JSON-lines record: ids in hex, times in nanoseconds since the epoch."""
    context = span.get_span_context()
    assert context is not None
    parent = span.parent
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent is not None else "",
        "name": span.name,
        "kind": span.kind.name,
        "service": str(span.resource.attributes.get("service.name", "?")),
        "start": span.start_time,
        "end": span.end_time,
        "status": span.status.status_code.name,
        "status_description": span.status.description or "",
        "attributes": {key: _plain(value) for key, value in (span.attributes or {}).items()},
        "links": [
            {
                "trace_id": format(link.context.trace_id, "032x"),
                "span_id": format(link.context.span_id, "016x"),
            }
            for link in span.links
        ],
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def append_whole(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` in one ``write`` on an O_APPEND descriptor, so the processes
    sharing a spans file never interleave their batches."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


class JsonLinesExporter(SpanExporter):
    """Appends each batch of spans to ``<folder>/<service>.jsonl`` in one ``write``.

    The file is opened in append mode, so the processes of a service (gunicorn workers,
    Celery pool processes) can share it: each batch lands whole, never interleaved.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        data = "".join(json.dumps(span_record(span)) + "\n" for span in spans).encode()
        try:
            append_whole(self.path, data)
        except OSError:
            logger.exception("could not write spans to %s", self.path)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def setup_tracing(service: str, *, django: bool = False, celery: bool = False) -> bool:
    """Trace this process as ``service``; False when tracing is switched off.

    Call it before the framework starts serving: in ``wsgi.py`` before the application is
    built (``django=True`` adds the tracing middleware), in a Celery app module (``celery=True``
    traces the tasks it sends and runs), at the start of a management command. Calling it
    again only adds what the later call asks for (a web process imports its Celery app too).
    """
    global _service
    if not enabled():
        return False
    with _lock:
        if _service is None:
            _service = service
            _start_provider(service)
            _instrument("psycopg")
            _instrument("sqlite3")
            _instrument("requests")
        if django:
            _instrument("django")
        if celery:
            _instrument("celery")
    return True


class WorkOnly(Sampler):
    """Root spans only for work: a request, a message, a task. A client span with no parent
    (a query or call nothing traced made: the relay polling its outbox, a probe's query)
    would be a one-span trace of its own every few hundred milliseconds, burying the ones
    that matter; it is dropped. Children follow their parent (:class:`ParentBased`)."""

    def should_sample(
        self,
        parent_context: Any,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "WorkOnly"


def _start_provider(service: str) -> None:
    # OTEL_TRACES_SAMPLER, when set, is the SDK's to read (sampler=None)
    sampler = None if env.str("OTEL_TRACES_SAMPLER", default="") else ParentBased(WorkOnly())
    provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler)
    exporter: SpanExporter
    if env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default=""):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = JsonLinesExporter(traces_dir() / f"{service}.jsonl")
    # A short delay: the demo's and the tests' traces are readable a moment after the request.
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
    trace.set_tracer_provider(provider)


_instrumented: set[str] = set()


def _instrument(what: str) -> None:
    if what in _instrumented:
        return
    _instrumented.add(what)
    if what == "psycopg":
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

        PsycopgInstrumentor().instrument(skip_dep_check=True)
    elif what == "sqlite3":
        from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

        SQLite3Instrumentor().instrument()
    elif what == "requests":
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        RequestsInstrumentor().instrument()
    elif what == "django":
        from opentelemetry.instrumentation.django import DjangoInstrumentor

        excluded = env.str("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", default=NOT_TRACED_URLS)
        DjangoInstrumentor().instrument(excluded_urls=excluded)
    elif what == "celery":
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument()


def trace_celery_worker(service: str, *, tasks: bool = True) -> None:
    """Trace a Celery worker of ``service`` once it starts, not when its app module is merely
    imported (web processes, management commands and the tests import it too).

    ``tasks=False`` for an event consumer: one task run there carries a batch of events, and
    the events library gives each event a span of its own instead.
    """
    from celery import signals

    def start(**_: Any) -> None:
        setup_tracing(service, celery=tasks)

    signals.worker_init.connect(start, weak=False)


def service_name() -> str:
    """The service this process traces as ("" before ``setup_tracing``)."""
    return _service or ""

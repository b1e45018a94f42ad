"""OpenTelemetry tracing, set up once per process with ``setup_tracing(service)``.

Where spans go: to an OTLP collector over HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set
(Jaeger, the OpenTelemetry Collector), otherwise to a JSON-lines file per service in
``<var>/traces/`` (``TRACES_DIR``), which ``python -m strangler trace`` reads: every process
of a stage writes there, so one checkout can be followed across all of them.
``OTEL_SDK_DISABLED=true`` switches tracing off (spans become free no-ops).

What is traced: Django requests, every SQL statement (:mod:`strangler.telemetry.database`, on
PostgreSQL and SQLite alike), outgoing HTTP (requests) and, when asked, Celery tasks.
Integration events carry the W3C ``traceparent`` in their envelope and in their message
headers; the outbox, the relay and the consumers make their own spans from it
(``strangler.events``), so a consumer's work joins the trace of the request that caused it.

What is not: probes and scrapes (``/health/``, ``/metrics``; ``OTEL_PYTHON_DJANGO_EXCLUDED_URLS``
changes the list), a statement no traced work made (the relay's polling: see
:mod:`strangler.telemetry.database`), and an outgoing call no traced work made, which
:class:`WorkOnly` drops unless ``OTEL_TRACES_SAMPLER`` picks a sampler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from strangler.config import env, var_dir
from strangler.telemetry.spanfile import JsonLinesProcessor

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
            from strangler.telemetry.database import trace_database

            trace_database(*_start_provider(service))
            _instrument("requests")
        if django:
            _instrument("django")
        if celery:
            _instrument("celery")
    return True


class WorkOnly(Sampler):
    """Root spans only for work: a request, a message, a task. A client span with no parent
    (an outgoing call nothing traced made, e.g. from a polling loop) would be a one-span trace
    of its own, burying the ones that matter; it is dropped. Children follow their parent
    (:class:`ParentBased`)."""

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


def _start_provider(service: str) -> tuple[SpanProcessor, Resource]:
    """The process's tracer provider, installed; its span processor and resource."""
    # OTEL_TRACES_SAMPLER, when set, is the SDK's to read (sampler=None)
    sampler = None if env.str("OTEL_TRACES_SAMPLER", default="") else ParentBased(WorkOnly())
    resource = Resource.create({"service.name": service})
    provider = TracerProvider(resource=resource, sampler=sampler)
    processor: SpanProcessor
    if env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default=""):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=200)
    else:
        # Written within 0.2 s: the demo's and the tests' traces are readable at once.
        processor = JsonLinesProcessor(traces_dir() / f"{service}.jsonl")
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return processor, resource


_instrumented: set[str] = set()


def _instrument(what: str) -> None:
    if what in _instrumented:
        return
    _instrumented.add(what)
    if what == "requests":
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

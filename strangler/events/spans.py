"""The spans of an event's journey, linked by the W3C ``traceparent`` it carries.

The outbox write (``<type> publish``, a child of the request that caused it), the relay's send
(``<type> send``, a child of the publish: the envelope's traceparent) and each consumer's
``<consumer> process <type>`` (a child of the send: the message header's traceparent) make one
trace from the request to the last consumer. Without ``setup_tracing`` they cost next to
nothing and record nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagate import extract, inject
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

tracer = trace.get_tracer("strangler.events")


def parent(traceparent: str | None) -> Context | None:
    """The context ``traceparent`` names, or None (the current one) when it is empty."""
    return extract({"traceparent": traceparent}) if traceparent else None


def traceparent_of(span: Span) -> str:
    carrier: dict[str, str] = {}
    inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent", "")


def sending(envelope: Mapping[str, Any], destination: str) -> Span:
    """The relay's span for sending ``envelope``: ended by the caller once confirmed."""
    return tracer.start_span(
        f"{envelope.get('type')} send",
        context=parent(str(envelope.get("traceparent") or "")),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "send",
            "messaging.destination.name": destination,
            "messaging.message.id": str(envelope.get("id") or ""),
        },
    )


def processing(consumer: str, envelope: Any, traceparent: str, queue: str) -> Span:
    """A consumer's span for one delivery, a child of the message's (or envelope's) context."""
    fields = envelope if isinstance(envelope, Mapping) else {}
    return tracer.start_span(
        f"{consumer} process {fields.get('type', '?')}",
        context=parent(traceparent or str(fields.get("traceparent") or "")),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
            "messaging.destination.name": queue,
            "messaging.message.id": str(fields.get("id") or ""),
        },
    )


def finish(span: Span, status: str, detail: str = "") -> None:
    """End a consumer's span with the delivery's outcome (an error when it did not apply)."""
    span.set_attribute("event.outcome", status)
    if status in ("retrying", "dead-lettered"):
        span.set_status(Status(StatusCode.ERROR, detail[:200]))
    span.end()

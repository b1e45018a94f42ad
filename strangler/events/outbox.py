"""Writing events: ``publish`` puts an event in the producer's outbox, in its transaction.

Never publish to the broker before the commit: a rolled-back order must not be announced,
and a committed one must not go unannounced because the broker was down at that moment. The
outbox row commits (or rolls back) with the business change; the relay publishes it later.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from django.db import router, transaction
from opentelemetry.trace import SpanKind

from strangler.events.envelope import Event
from strangler.events.errors import OutboxMisuse
from strangler.events.models import OutboxMessage
from strangler.events.schemas import SchemaRegistry, published
from strangler.events.spans import parent, traceparent_of, tracer

M = TypeVar("M", bound=OutboxMessage)


def publish(
    outbox: type[M],
    event: Event,
    *,
    aggregate_type: str,
    aggregate_id: int | str,
    registry: SchemaRegistry = published,
) -> M:
    """Validate ``event`` and write it to ``outbox``; must run inside the business transaction.

    Raises InvalidEvent (nothing written) when the event does not match its schema, and
    OutboxMisuse when called outside ``transaction.atomic`` (the event could then be written
    without the change it announces, or the other way round).
    """
    using = router.db_for_write(outbox)
    if not transaction.get_connection(using).in_atomic_block:
        raise OutboxMisuse(
            f"publish({event.type}) must be called inside the business transaction "
            "(transaction.atomic), so the event commits or rolls back with the change"
        )
    with tracer.start_as_current_span(
        f"{event.type} publish",
        context=parent(event.traceparent),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.message.id": event.id, "messaging.destination.name": "outbox"},
    ) as span:
        # the relay and the consumers continue the trace from this span
        event = replace(event, traceparent=traceparent_of(span) or event.traceparent)
        registry.validate(event)
        return outbox._default_manager.using(using).create(
            event_id=event.id,
            event_type=event.type,
            event_version=event.version,
            aggregate_type=aggregate_type,
            aggregate_id=str(aggregate_id),
            payload=event.to_dict(),
        )

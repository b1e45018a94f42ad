"""The service's event consumer, built from its settings (``EVENTS_CONSUMER`` names
:func:`build_consumer`; ``strangler.events.wiring`` calls it once per process)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils.module_loading import import_string

from strangler.events.consumer import EventConsumer, RetryPolicy, Subscription
from strangler.events.schemas import SchemaRegistry


def build_consumer() -> EventConsumer:
    """The consumer of the ``Subscription`` table ``EVENTS_SUBSCRIPTIONS`` names, on the
    queue, dead-letter queue, schemas and retries of the settings.

    Raises ``ValueError`` when the table handles other types than ``EVENTS_SUBSCRIBES``
    binds the queue to: events would be dropped, or arrive with no handler.
    """
    subscriptions: Sequence[Subscription] = import_string(settings.EVENTS_SUBSCRIPTIONS)
    consumer = EventConsumer(
        name=settings.EVENTS_CONSUMER_NAME,
        registry=SchemaRegistry(settings.EVENTS_SCHEMAS),
        subscriptions=subscriptions,
        queue_name=settings.EVENTS_QUEUE,
        dlq_name=settings.EVENTS_DLQ,
        retry=RetryPolicy(
            max_retries=settings.EVENTS_MAX_RETRIES,
            backoff=settings.EVENTS_RETRY_BACKOFF,
            backoff_max=settings.EVENTS_RETRY_BACKOFF_MAX,
        ),
    )
    if sorted(settings.EVENTS_SUBSCRIBES) != consumer.event_types:
        raise ValueError("EVENTS_SUBSCRIBES must name exactly the handled event types")
    return consumer

"""The service's event consumer, built from its settings (``EVENTS_CONSUMER`` names
:func:`build_consumer`; ``strangler.events.wiring`` calls it once per process)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from strangler.events.consumer import EventConsumer, RetryPolicy, Subscription
from strangler.events.schemas import SchemaRegistry


def _events_setting(name: str) -> Any:
    """``EVENTS_<name>``: every consumer's settings have it (the monolith's, which the library
    is type-checked against, have it only where the events library is in the tree)."""
    return getattr(settings, f"EVENTS_{name}")


def build_consumer() -> EventConsumer:
    """The consumer of the ``Subscription`` table ``EVENTS_SUBSCRIPTIONS`` names, on the
    queue, dead-letter queue, schemas and retries of the settings.

    Raises ``ValueError`` when the table handles other types than ``EVENTS_SUBSCRIBES``
    binds the queue to: events would be dropped, or arrive with no handler.
    """
    subscriptions: Sequence[Subscription] = import_string(_events_setting("SUBSCRIPTIONS"))
    consumer = EventConsumer(
        name=_events_setting("CONSUMER_NAME"),
        registry=SchemaRegistry(_events_setting("SCHEMAS")),
        subscriptions=subscriptions,
        queue_name=_events_setting("QUEUE"),
        dlq_name=_events_setting("DLQ"),
        retry=RetryPolicy(
            max_retries=_events_setting("MAX_RETRIES"),
            backoff=_events_setting("RETRY_BACKOFF"),
            backoff_max=_events_setting("RETRY_BACKOFF_MAX"),
        ),
    )
    if sorted(_events_setting("SUBSCRIBES")) != consumer.event_types:
        raise ValueError("EVENTS_SUBSCRIBES must name exactly the handled event types")
    return consumer

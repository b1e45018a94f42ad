"""Finding the service's consumer from settings (``EVENTS_CONSUMER``: a dotted path)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from strangler.events.consumer import EventConsumer


@cache
def configured_consumer() -> EventConsumer:
    path = getattr(settings, "EVENTS_CONSUMER", "")
    if not path:
        raise LookupError("settings.EVENTS_CONSUMER names no consumer")
    consumer = import_string(path)
    if callable(consumer) and not isinstance(consumer, EventConsumer):
        consumer = consumer()
    if not isinstance(consumer, EventConsumer):
        raise TypeError(f"{path} is not an EventConsumer")
    return consumer

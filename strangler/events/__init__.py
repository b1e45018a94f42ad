"""Integration events: envelope, schemas, transactional outbox, relay, idempotent consumers.

Producers: subclass ``strangler.events.models.OutboxMessage`` in the app's models and call
``publish(Outbox, event, aggregate_type=..., aggregate_id=...)`` inside the business
transaction; run ``manage.py outbox_relay``. Consumers: build an ``EventConsumer`` with
``Subscription``s and ``install`` it on the service's Celery app.
"""

from strangler.events.envelope import Event, current_traceparent
from strangler.events.errors import InvalidEvent, OutboxMisuse

__all__ = ["Event", "InvalidEvent", "OutboxMisuse", "current_traceparent"]

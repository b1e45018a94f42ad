"""The service's event consumer: its subscriptions, its schemas, its queues, its retries."""

from __future__ import annotations

from django.conf import settings

from extracted.notifications.mail import handlers
from strangler.events.consumer import EventConsumer, RetryPolicy, Subscription
from strangler.events.schemas import SchemaRegistry

SUBSCRIPTIONS = (
    Subscription("order.paid", apply=handlers.on_order_paid, apply_many=handlers.on_orders_paid),
    Subscription(
        "order.cancelled",
        apply=handlers.on_order_cancelled,
        apply_many=handlers.on_orders_cancelled,
    ),
)


def build_consumer() -> EventConsumer:
    consumer = EventConsumer(
        name=settings.EVENTS_CONSUMER_NAME,
        registry=SchemaRegistry(settings.EVENTS_SCHEMAS),
        subscriptions=SUBSCRIPTIONS,
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

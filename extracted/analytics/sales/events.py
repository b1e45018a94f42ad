"""The service's event consumer: its subscriptions, its schemas, its queues, its retries.

Revenue comes from ``order.paid`` alone and goes back with ``order.cancelled`` when
``was_paid``. The payment events are not consumed, because each would count money twice or
count money that was never a sale:

- ``payment.approved`` is published for every approved charge, also one whose order could no
  longer be confirmed (its reservation ran out): that charge is refunded at once and the order
  is never paid. ``order.paid`` is the sale.
- ``payment.refunded`` follows every cancellation of a paid order (``order.cancelled`` with
  ``was_paid`` already says it) and also that immediate refund of a charge that never became
  a sale.
"""

from __future__ import annotations

from django.conf import settings

from extracted.analytics.sales import handlers
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

"""The events the service consumes and the handler each runs (its queue, schemas and retries
are in its settings; ``strangler.service.consumer`` builds the consumer from both)."""

from __future__ import annotations

from extracted.notifications.mail import handlers
from strangler.events.consumer import Subscription

SUBSCRIPTIONS = (
    Subscription("order.paid", apply=handlers.on_order_paid, apply_many=handlers.on_orders_paid),
    Subscription(
        "order.cancelled",
        apply=handlers.on_order_cancelled,
        apply_many=handlers.on_orders_cancelled,
    ),
)

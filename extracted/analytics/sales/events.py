"""The events the service consumes and the handler each runs (its queue, schemas and retries
are in its settings; ``strangler.service.consumer`` builds the consumer from both).

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

from extracted.analytics.sales import handlers
from strangler.events.consumer import Subscription

SUBSCRIPTIONS = (
    Subscription("order.paid", apply=handlers.on_order_paid, apply_many=handlers.on_orders_paid),
    Subscription(
        "order.cancelled",
        apply=handlers.on_order_cancelled,
        apply_many=handlers.on_orders_cancelled,
    ),
)

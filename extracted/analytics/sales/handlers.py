"""The service's handler table: which order event changes which sales figures.

Each runs in the consumer's transaction, exactly once per event. The ``*_many`` forms take a
run of a batch at once (``Subscription.apply_many``).

``order.created`` counts an order placed on its day, paid or not (beside the sales: how many
of the orders placed became sales). Revenue comes from ``order.paid`` alone and goes back with
``order.cancelled`` when ``was_paid``. The payment events are not consumed, because each would
count money twice or count money that was never a sale:

- ``payment.approved`` is published for every approved charge, also one whose order could no
  longer be confirmed (its reservation ran out): that charge is refunded at once and the order
  is never paid. ``order.paid`` is the sale.
- ``payment.refunded`` follows every cancellation of a paid order (``order.cancelled`` with
  ``was_paid`` already says it) and also that immediate refund of a charge that never became
  a sale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from extracted.analytics.sales import services
from extracted.analytics.sales.services import CancelledOrder, NewOrder, PaidOrder, SoldLine
from strangler.events import Event
from strangler.events.consumer import Subscription


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _created(event: Event) -> NewOrder:
    data = event.data
    return NewOrder(
        event_id=event.id, order_id=data["order_id"], created_at=_moment(data["created_at"])
    )


def _paid(event: Event) -> PaidOrder:
    data = event.data
    return PaidOrder(
        event_id=event.id,
        order_id=data["order_id"],
        paid_at=_moment(data["paid_at"]),
        currency=data["currency"],
        total=Decimal(data["total"]),
        lines=tuple(
            SoldLine(
                sku=line["sku"],
                name=line["name"],
                quantity=line["quantity"],
                unit_price=Decimal(line["unit_price"]),
            )
            for line in data["lines"]
        ),
    )


def _cancelled(event: Event) -> CancelledOrder | None:
    data = event.data
    if not data["was_paid"]:
        return None  # never sold: nothing to take back
    return CancelledOrder(
        event_id=event.id,
        order_id=data["order_id"],
        cancelled_at=_moment(data["cancelled_at"]),
        reason=data["reason"],
    )


def on_orders_created(events: Sequence[Event]) -> None:
    services.orders_placed_record(orders=[_created(event) for event in events])


def on_order_created(event: Event) -> None:
    on_orders_created([event])


def on_orders_paid(events: Sequence[Event]) -> None:
    services.sales_record(orders=[_paid(event) for event in events])


def on_order_paid(event: Event) -> None:
    on_orders_paid([event])


def on_orders_cancelled(events: Sequence[Event]) -> None:
    cancellations = [c for event in events if (c := _cancelled(event)) is not None]
    if cancellations:
        services.cancellations_record(cancellations=cancellations)


def on_order_cancelled(event: Event) -> None:
    on_orders_cancelled([event])


# What the consumer runs for each event type; EVENTS_SUBSCRIBES in the settings binds the
# service's queue to exactly these types (strangler.service.consumer builds the consumer).
SUBSCRIPTIONS = (
    Subscription("order.created", apply=on_order_created, apply_many=on_orders_created),
    Subscription("order.paid", apply=on_order_paid, apply_many=on_orders_paid),
    Subscription("order.cancelled", apply=on_order_cancelled, apply_many=on_orders_cancelled),
)

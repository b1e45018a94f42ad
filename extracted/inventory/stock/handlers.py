"""The service's handler table: what each order event does to the stock.

Each runs in the consumer's transaction, exactly once per event (``ProcessedMessage``); each
is also idempotent by order, so another event about the same order changes nothing twice.
"""

from __future__ import annotations

from extracted.inventory.stock import services
from strangler.events import Event
from strangler.events.consumer import Subscription


def on_order_created(event: Event) -> None:
    """The checkout's hold belongs to an order that exists: the sweeper leaves it alone."""
    services.hold_confirm(order_id=event.data["order_id"])


def on_order_paid(event: Event) -> None:
    """Commit the hold; re-take the units when it was released, else stock.commit_failed."""
    data = event.data
    services.reservation_commit(
        order_id=data["order_id"],
        lines=[(line["sku"], line["quantity"]) for line in data["lines"]],
    )


def on_order_cancelled(event: Event) -> None:
    """Give the hold back; paid: put the committed units back on the shelf too."""
    data = event.data
    services.order_cancel(order_id=data["order_id"], was_paid=data["was_paid"])


# What the consumer runs for each event type; EVENTS_SUBSCRIBES in the settings binds the
# service's queue to exactly these types (strangler.service.consumer builds the consumer).
SUBSCRIPTIONS = (
    Subscription("order.created", apply=on_order_created),
    Subscription("order.paid", apply=on_order_paid),
    Subscription("order.cancelled", apply=on_order_cancelled),
)

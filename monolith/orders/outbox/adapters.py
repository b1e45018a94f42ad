"""Stage 2 on: the adapter behind the orders events port (``ORDERS_EVENTS_ADAPTER``) that writes
the order's integration events to the orders outbox, in the transaction of the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monolith.orders.outbox import events
from monolith.orders.ports import CancelCause, Contact

if TYPE_CHECKING:
    from monolith.orders.models import Order, OrderLine


class OutboxEvents:
    """Stage 2 on: integration events written to the orders outbox, in the same transaction."""

    def order_created(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        events.publish_order_created(order, lines, contact)

    def order_paid(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        events.publish_order_paid(order, lines, contact)

    def order_cancelled(
        self, order: Order, *, reason: str, cause: CancelCause, was_paid: bool
    ) -> None:
        events.publish_order_cancelled(order, reason=reason, cause=cause, was_paid=was_paid)

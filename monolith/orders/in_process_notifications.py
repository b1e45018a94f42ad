"""Stages 0 and 1: who hears about an order is the notifications context, called in process.

A module of its own because stage 2 retires it together with the monolith's notifications
app (``Stage.retires`` in ``strangler/stages/manifest/stage_2.py``): from there on the orders
outbox carries the order's events to the extracted notifications service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monolith.orders.ports import CancelCause, Contact

if TYPE_CHECKING:
    from monolith.orders.models import Order, OrderLine


def _lines(lines: Sequence[OrderLine]) -> list[tuple[str, str, int]]:
    """``(sku, name, quantity)`` of each line, as notifications takes them."""
    return [(line.sku, line.name, line.quantity) for line in lines]


class InProcessNotifications:
    """Stages 0 and 1: notifications is called in process (its e-mail task enqueued on commit);
    it finds the customer's address when it sends, so a contact passed in is not needed."""

    def order_created(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        from monolith.notifications import interface as notifications

        notifications.notify_order_received(
            customer_id=order.customer_id,
            order_id=order.pk,
            total=order.total,
            currency=order.currency,
            lines=_lines(lines),
        )

    def order_paid(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        from monolith.notifications import interface as notifications

        notifications.notify_order_paid(
            customer_id=order.customer_id,
            order_id=order.pk,
            total=order.total,
            currency=order.currency,
            lines=_lines(lines),
        )

    def order_cancelled(
        self, order: Order, *, reason: str, cause: CancelCause, was_paid: bool
    ) -> None:
        from monolith.notifications import interface as notifications

        if cause == "checkout_failed":
            return  # the customer saw the failed checkout; no e-mail (as before stage 2)
        notifications.notify_order_cancelled(
            customer_id=order.customer_id, order_id=order.pk, reason=reason
        )

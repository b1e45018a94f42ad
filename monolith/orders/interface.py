"""The orders context's published interface: the only module other contexts may import."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from monolith.orders import selectors, services
from monolith.orders.errors import OrderNotFound, OrderNotPayable
from monolith.orders.models import OrderStatus

__all__ = [
    "OrderNotFound",
    "OrderNotPayable",
    "PayableOrder",
    "confirm_payment",
    "get_payable_order",
]


@dataclass(frozen=True)
class PayableOrder:
    order_id: int
    customer_id: int
    status: str
    total: Decimal
    currency: str


def get_payable_order(*, order_id: int, customer_id: int) -> PayableOrder:
    """The customer's order awaiting payment.

    Raises OrderNotFound (also for another customer's order) and OrderNotPayable when the
    order is not pending or its stock reservation has expired.
    """
    order = selectors.order_get(order_id=order_id, customer_id=customer_id)
    if order.status != OrderStatus.PENDING:
        raise OrderNotPayable(
            f"Order {order_id} is {order.status}; it cannot be paid.",
            order_id=order_id,
            status=order.status,
        )
    expires_at = order.reservation_expires_at
    if expires_at is not None and expires_at <= timezone.now():
        raise OrderNotPayable(
            f"The stock reservation of order {order_id} has expired.",
            order_id=order_id,
            status=order.status,
        )
    return PayableOrder(
        order_id=order.pk,
        customer_id=order.customer_id,
        status=order.status,
        total=order.total,
        currency=order.currency,
    )


def confirm_payment(*, order_id: int, payment_id: int) -> None:
    """pending -> paid: commits the reserved stock and notifies the customer. Idempotent."""
    services.order_mark_paid(order_id=order_id, payment_id=payment_id)

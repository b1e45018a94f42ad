"""Adapters behind the payments ports: the order book and the fraud rules in process, and who
hears about payments.

``monolith.orders.interface`` is imported inside the methods: orders imports payments'
interface too, and a lazy import keeps the two contexts importable in any order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monolith.payments import fraud
from monolith.payments.errors import OrderNotFound, OrderNotPayable
from monolith.payments.ports import ChargeAttempt, PayableOrder

if TYPE_CHECKING:
    from monolith.payments.models import Payment, Refund


class InProcessOrderBook:
    def get_payable_order(self, *, order_id: int, customer_id: int) -> PayableOrder:
        from monolith.orders.interface import OrderNotFound as OrdersOrderNotFound
        from monolith.orders.interface import get_payable_order

        try:
            order = get_payable_order(order_id=order_id, customer_id=customer_id)
        except OrdersOrderNotFound as exc:
            raise OrderNotFound(exc.message, **exc.details) from exc
        return PayableOrder(
            order_id=order.order_id,
            customer_id=order.customer_id,
            status=order.status,
            total=order.total,
            currency=order.currency,
        )

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        from monolith.orders.interface import OrderNotPayable as OrdersOrderNotPayable
        from monolith.orders.interface import confirm_payment

        try:
            confirm_payment(order_id=order_id, payment_id=payment_id)
        except OrdersOrderNotPayable as exc:
            raise OrderNotPayable(exc.message, **exc.details) from exc


class InProcessFraud:
    """Stages 0 to 3: the rules of ``monolith.payments.fraud`` over payments' own counts."""

    def assess(self, attempt: ChargeAttempt) -> tuple[str, ...]:
        return fraud.assess_counts(
            amount=attempt.amount,
            attempts_in_window=attempt.attempts_in_window,
            order_declines=attempt.order_declines,
            limits=fraud.FraudLimits.from_settings(),
        )


class NoEvents:
    """Stages 0 and 1: nobody outside the monolith hears about payments; nothing is written."""

    def payment_approved(self, payment: Payment) -> None:
        return None

    def payment_declined(self, payment: Payment) -> None:
        return None

    def payment_refunded(self, payment: Payment, refund: Refund) -> None:
        return None

"""Test doubles for the payments ports; a fixture puts an instance behind its port in the root."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from extracted.payments.charges.errors import OrderNotFound, OrderNotPayable
from extracted.payments.charges.ports import ChargeAttempt, PayableOrder
from extracted.payments.charges.processor import CardDetails, ChargeOutcome, FakeCardProcessor
from strangler.errors import ServiceUnavailable


class FakeOrderBook:
    """An in-memory OrderBook: the payable orders, and every confirmation it received."""

    def __init__(self) -> None:
        self.orders: dict[int, PayableOrder] = {}
        self.confirmed: list[tuple[int, int]] = []

    def add(
        self,
        *,
        order_id: int,
        customer_id: int,
        total: Decimal = Decimal("25.00"),
        status: str = "pending",
    ) -> PayableOrder:
        order = PayableOrder(
            order_id=order_id, customer_id=customer_id, status=status, total=total, currency="EUR"
        )
        self.orders[order_id] = order
        return order

    def get_payable_order(self, *, order_id: int, customer_id: int) -> PayableOrder:
        order = self.orders.get(order_id)
        if order is None or order.customer_id != customer_id:
            raise OrderNotFound("Order not found.", order_id=order_id)
        return order

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        order = self.orders[order_id]
        if order.status != "pending":
            raise OrderNotPayable("Order is not pending.", order_id=order_id)
        self.orders[order_id] = dataclasses.replace(order, status="paid")
        self.confirmed.append((order_id, payment_id))


class SpyCardProcessor(FakeCardProcessor):
    """The fake processor, recording every charge it receives."""

    def __init__(self) -> None:
        self.charges: list[str] = []

    def describe(self, card_token: str) -> CardDetails | None:
        return super().describe(card_token)

    def charge(
        self, *, card_token: str, amount: Decimal, currency: str, reference: str
    ) -> ChargeOutcome:
        self.charges.append(reference)
        return super().charge(
            card_token=card_token, amount=amount, currency=currency, reference=reference
        )


class FakeFraud:
    """The fraud port without the service: every attempt it is asked about, answered with
    ``reasons`` (empty: approve), or ``unavailable`` raised as the HTTP adapter would."""

    def __init__(self) -> None:
        self.attempts: list[ChargeAttempt] = []
        self.reasons: tuple[str, ...] = ()
        self.unavailable = False

    def assess(self, attempt: ChargeAttempt) -> tuple[str, ...]:
        if self.unavailable:
            raise ServiceUnavailable("The fraud service is unavailable.", service="fraud")
        self.attempts.append(attempt)
        return self.reasons

"""What payments needs from the orders context, as payments sees it (branch by abstraction).

The adapter is chosen by the setting ``PAYMENTS_ORDER_BOOK`` (a dotted path to a class
implementing :class:`OrderBook`); the default calls ``monolith.orders.interface`` in-process.
Adapters translate the other side's refusals into the errors of this port:
:class:`~monolith.payments.errors.OrderNotFound` and
:class:`~monolith.payments.errors.OrderNotPayable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_ORDER_BOOK = "monolith.payments.adapters.InProcessOrderBook"


@dataclass(frozen=True)
class PayableOrder:
    order_id: int
    customer_id: int
    status: str  # payments only pays "pending" orders
    total: Decimal
    currency: str


class OrderBook(Protocol):
    def get_payable_order(self, *, order_id: int, customer_id: int) -> PayableOrder:
        """The customer's order; raises OrderNotFound (also for another customer's order)."""
        ...

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        """Mark the order paid; raises OrderNotPayable if it is no longer pending."""
        ...


def get_order_book() -> OrderBook:
    path = getattr(settings, "PAYMENTS_ORDER_BOOK", DEFAULT_ORDER_BOOK)
    order_book: OrderBook = import_string(path)()
    return order_book

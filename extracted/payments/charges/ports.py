"""What payments needs from the outside, as payments sees it (branch by abstraction).

The order book is chosen by the setting ``PAYMENTS_ORDER_BOOK`` (a dotted path to a class
implementing :class:`OrderBook`, built by the composition root, see ``wiring.py``); the default
calls the monolith's internal order book over HTTP (``http_order_book.HttpOrderBook``).
Adapters translate the other side's refusals into the errors of this port:
:class:`~extracted.payments.charges.errors.OrderNotFound` and
:class:`~extracted.payments.charges.errors.OrderNotPayable`.

Who hears about payments is chosen by ``PAYMENTS_EVENTS_ADAPTER`` (:class:`PaymentEventsPort`):
the service's outbox (``outbox.adapters.OutboxEvents``).

Who assesses an attempt for fraud is chosen by ``PAYMENTS_FRAUD_ADAPTER`` (:class:`FraudCheck`):
the fraud service over HTTP (``http_fraud.HttpFraud``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from extracted.payments.charges.models import Payment, Refund


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


@dataclass(frozen=True)
class ChargeAttempt:
    """One attempt to charge an order, as fraud is asked about it, before the card processor.

    ``reference`` names the attempt (``order-41-attempt-2``): the card processor's reference,
    and the Idempotency-Key of the call to the fraud service, so a repeated call is answered
    once and never counted as a second attempt. The counts are payments' own history: the
    customer's attempts within the fraud window (the in-process rules use it; the fraud
    service counts its own) and the order's declined attempts (the card processor's declines
    included, which only payments knows).
    """

    reference: str
    customer_id: int
    order_id: int
    amount: Decimal
    currency: str
    attempts_in_window: int
    order_declines: int


class FraudCheck(Protocol):
    def assess(self, attempt: ChargeAttempt) -> tuple[str, ...]:
        """The reasons to decline the attempt; empty: the card processor decides.

        Raises :class:`strangler.errors.ServiceUnavailable` when no answer could be had (the
        fraud service down, slow or its circuit open): nothing is charged then.
        """
        ...


class PaymentEventsPort(Protocol):
    """Who hears about payments, called inside the transaction that wrote the payment row.

    ``OutboxEvents``: integration events in the service's outbox, committed or rolled back
    with the row (``PAYMENTS_EVENTS_ADAPTER``).
    """

    def payment_approved(self, payment: Payment) -> None: ...

    def payment_declined(self, payment: Payment) -> None: ...

    def payment_refunded(self, payment: Payment, refund: Refund) -> None: ...

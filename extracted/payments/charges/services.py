"""Writes of the payments service: charge (the fraud service, then the card processor), pay an
order (read and confirmed through the order book, the monolith's) and refund.

Each write tells the events port what happened inside its transaction (the service's outbox:
``payment.approved``, ``payment.declined``, ``payment.refunded``).

A charge and a refund of the same order run one at a time (on PostgreSQL a transaction-scoped
advisory lock per order): a refund asked for while the order's charge is still running waits
for it, then refunds what it approved. So the checkout's compensation, which asks for the
refund when a charge's answer was lost, does not find "nothing to refund" while the charge
it gave up on is about to succeed.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from extracted.payments.charges import selectors
from extracted.payments.charges.errors import InvalidAmount, InvalidCardToken, OrderNotPayable
from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.ports import ChargeAttempt, OrderBook
from extracted.payments.charges.results import PaymentResult
from extracted.payments.charges.wiring import CARD_PROCESSOR, EVENTS, FRAUD, ORDER_BOOK
from strangler.composition import root
from strangler.errors import DomainError, ServiceUnavailable

logger = logging.getLogger(__name__)

PAYABLE_ORDER_STATUS = "pending"
# pg_advisory_xact_lock's first key: one order's charges and refunds (the second is the order).
_ORDER_LOCK = 0x9A7


def payment_validate_card_token(*, card_token: str) -> None:
    """Raise InvalidCardToken (422) if the card processor does not know the token."""
    if root.get(CARD_PROCESSOR).describe(card_token) is None:
        raise InvalidCardToken("Unknown card token.", card_token=["Unknown card token."])


@transaction.atomic
def payment_charge(
    *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
) -> PaymentResult:
    """Record one attempt: approved or declined, whatever the outcome; never raises for a decline.

    Fraud is asked first (the ``FRAUD`` port: the fraud service); a fraud decline never
    reaches the card processor, and no answer from fraud (the service down) raises
    ServiceUnavailable with nothing recorded or charged. Raises
    InvalidCardToken / InvalidAmount for invalid input (nothing recorded) and OrderNotPayable
    if the order already has a successful payment.
    """
    processor = root.get(CARD_PROCESSOR)
    card = processor.describe(card_token)
    if card is None:
        raise InvalidCardToken("Unknown card token.", card_token=["Unknown card token."])
    if amount <= 0:
        raise InvalidAmount("The amount to charge must be positive.", amount=str(amount))
    _one_order_at_a_time(order_id)

    now = timezone.now()
    history = selectors.payment_fraud_history(
        customer_id=customer_id, order_id=order_id, since=now - settings.FRAUD_WINDOW, now=now
    )
    reference = f"order-{order_id}-attempt-{history.order_attempts + 1}"
    reasons = root.get(FRAUD).assess(
        ChargeAttempt(
            reference=reference,
            customer_id=customer_id,
            order_id=order_id,
            amount=amount,
            currency=currency,
            attempts_in_window=history.attempts_in_window,
            order_declines=history.order_declines,
        )
    )
    payment = Payment(
        order_id=order_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        card_brand=card.brand,
        card_last4=card.last4,
        created_at=now,
    )
    if reasons:
        payment.status = Payment.Status.DECLINED
        payment.decline_reasons = list(reasons)
        payment.save()
        root.get(EVENTS).payment_declined(payment)
        logger.info("payment declined by fraud order=%s reasons=%s", order_id, reasons)
        return selectors.payment_to_result(payment)

    outcome = processor.charge(
        card_token=card_token,
        amount=amount,
        currency=currency,
        reference=reference,
    )
    payment.processor_reference = outcome.processor_reference
    if not outcome.approved:
        payment.status = Payment.Status.DECLINED
        payment.decline_reasons = [outcome.decline_reason or "card_declined"]
        payment.save()
        root.get(EVENTS).payment_declined(payment)
        return selectors.payment_to_result(payment)

    payment.status = Payment.Status.APPROVED
    try:
        payment.save()
    except IntegrityError as exc:
        # Another attempt paid this order first (a race): give the money back, refuse. The
        # error leaves this function's atomic block, which rolls back (no savepoint of its own
        # needed: nothing runs in the failed transaction after the insert).
        processor.refund(
            processor_reference=outcome.processor_reference, amount=amount, currency=currency
        )
        raise OrderNotPayable("The order is already paid.", order_id=order_id) from exc
    root.get(EVENTS).payment_approved(payment)
    return selectors.payment_to_result(payment)


def payment_create_for_order(
    *, customer_id: int, order_id: int, card_token: str, order_book: OrderBook | None = None
) -> PaymentResult:
    """Pay the customer's pending order for its total; on approval the order is confirmed.

    The attempt is committed first, whatever its outcome (a declined attempt is returned, never
    raised here). If the order can no longer take an approved payment (its reservation ran out
    in between), or the order book gives no answer twice, the payment is refunded at once and
    the refusal is raised: money never stays charged with no paid order behind it. Raises
    OrderNotFound (404; also another customer's order), OrderNotPayable (409) and
    InvalidCardToken (422); those write nothing.
    """
    payment_validate_card_token(card_token=card_token)
    book = order_book or root.get(ORDER_BOOK)
    order = book.get_payable_order(order_id=order_id, customer_id=customer_id)
    if order.status != PAYABLE_ORDER_STATUS:
        # The words of the monolith's orders, which refused such an order itself when payments
        # was in process: the public answer stays the same, word for word.
        raise OrderNotPayable(
            f"Order {order_id} is {order.status}; it cannot be paid.",
            order_id=order_id,
            status=order.status,
        )
    result = payment_charge(
        order_id=order_id,
        customer_id=customer_id,
        amount=order.total,
        currency=order.currency,
        card_token=card_token,
    )
    if result.status == Payment.Status.APPROVED:
        try:
            _confirm(book, order_id=order_id, payment_id=result.payment_id)
        except DomainError:
            payment_refund(order_id=order_id, reason="The order could no longer be confirmed.")
            raise
    return result


def _confirm(book: OrderBook, *, order_id: int, payment_id: int) -> None:
    """Confirm the payment to the order book, asking once more if the book gave no answer.

    The order book is the monolith, over the network: a call that timed out may have marked
    the order paid all the same. Confirming is idempotent (the same payment again answers as
    the first time), so a second call tells: paid, refused, or still no answer, and only then
    is the money given back.
    """
    try:
        book.confirm_payment(order_id=order_id, payment_id=payment_id)
    except ServiceUnavailable:
        logger.warning("order %s: no answer to its payment's confirmation; asking again", order_id)
        book.confirm_payment(order_id=order_id, payment_id=payment_id)


@transaction.atomic
def payment_refund(*, order_id: int, reason: str) -> PaymentResult | None:
    """Refund the order's approved payment in full, after any charge of the order still
    running. Idempotent; None if none was approved."""
    _one_order_at_a_time(order_id)
    payment = (
        Payment.objects.select_for_update()
        .filter(order_id=order_id, status__in=[Payment.Status.APPROVED, Payment.Status.REFUNDED])
        .first()
    )
    if payment is None:
        return None
    if payment.status == Payment.Status.REFUNDED:
        return selectors.payment_to_result(payment)
    reference = root.get(CARD_PROCESSOR).refund(
        processor_reference=payment.processor_reference,
        amount=payment.amount,
        currency=payment.currency,
    )
    refund = Refund.objects.create(
        payment=payment, amount=payment.amount, reason=reason[:255], processor_reference=reference
    )
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["status"])
    root.get(EVENTS).payment_refunded(payment, refund)
    return selectors.payment_to_result(payment)


def _one_order_at_a_time(order_id: int) -> None:
    """Hold the order's lock to the end of the transaction: on PostgreSQL, where the service
    serves requests side by side (the embedded SQLite of the demo has no such lock). The order's
    id is folded into the lock's 32-bit second key: two orders that share a lock only wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ORDER_LOCK, order_id % 2**31])

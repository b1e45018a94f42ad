"""Reads of the payments service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from extracted.payments.charges.errors import PaymentNotFound, UnknownCardToken
from extracted.payments.charges.models import Payment
from extracted.payments.charges.processor import CardDetails
from extracted.payments.charges.results import PaymentResult
from extracted.payments.charges.wiring import CARD_PROCESSOR
from strangler.composition import root


def payment_to_result(payment: Payment) -> PaymentResult:
    return PaymentResult(
        payment_id=payment.pk,
        order_id=payment.order_id,
        status=payment.status,
        amount=payment.amount,
        currency=payment.currency,
        decline_reasons=tuple(payment.decline_reasons),
    )


def payment_list_for_customer(
    *, customer_id: int, order_id: int | None = None
) -> QuerySet[Payment]:
    payments = Payment.objects.filter(customer_id=customer_id)
    if order_id is not None:
        payments = payments.filter(order_id=order_id)
    return payments.prefetch_related("refunds").order_by("-created_at", "-id")


def payment_get_for_customer(*, customer_id: int, payment_id: int) -> Payment:
    """The customer's payment; raises PaymentNotFound (also for another customer's)."""
    payment = payment_list_for_customer(customer_id=customer_id).filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound("Payment not found.", payment_id=payment_id)
    return payment


def payment_for_order(*, order_id: int) -> Payment | None:
    """The order's approved (or refunded) payment, else its latest attempt, else None."""
    attempts = Payment.objects.filter(order_id=order_id)
    successful = attempts.filter(
        status__in=[Payment.Status.APPROVED, Payment.Status.REFUNDED]
    ).first()
    return successful or attempts.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class FraudHistory:
    """What the fraud rules count, counted by the database."""

    attempts_in_window: int  # the customer's attempts in (since, now]
    order_attempts: int  # every attempt on the order
    order_declines: int  # the declined ones among them


def payment_fraud_history(
    *, customer_id: int, order_id: int, since: datetime, now: datetime
) -> FraudHistory:
    """The customer's attempts in ``(since, now]`` and the order's attempts, in one query."""
    in_window = Q(customer_id=customer_id, created_at__gt=since, created_at__lte=now)
    on_order = Q(order_id=order_id)
    counts = Payment.objects.filter(in_window | on_order).aggregate(
        in_window=Count("id", filter=in_window),
        on_order=Count("id", filter=on_order),
        declined=Count("id", filter=on_order & Q(status=Payment.Status.DECLINED)),
    )
    return FraudHistory(
        attempts_in_window=counts["in_window"],
        order_attempts=counts["on_order"],
        order_declines=counts["declined"],
    )


def card_for_token(*, card_token: str) -> CardDetails:
    """The card behind a token, as the card processor describes it; raises UnknownCardToken
    (404) when the processor does not know the token."""
    card = root.get(CARD_PROCESSOR).describe(card_token)
    if card is None:
        raise UnknownCardToken("Unknown card token.", card_token=card_token)
    return card

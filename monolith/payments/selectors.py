"""Reads of the payments context."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from monolith.payments.errors import PaymentNotFound
from monolith.payments.fraud import Attempt
from monolith.payments.models import Payment
from monolith.payments.results import PaymentResult


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


def payment_fraud_history(
    *, customer_id: int, order_id: int, since: datetime
) -> tuple[list[Attempt], list[Attempt]]:
    """The customer's attempts since ``since`` and every attempt on the order."""

    def attempts(queryset: QuerySet[Payment]) -> list[Attempt]:
        return [
            Attempt(order_id=o, declined=s == Payment.Status.DECLINED, created_at=c)
            for o, s, c in queryset.values_list("order_id", "status", "created_at")
        ]

    recent = Payment.objects.filter(customer_id=customer_id, created_at__gte=since)
    on_order = Payment.objects.filter(order_id=order_id)
    return attempts(recent), attempts(on_order)

"""Writes of fraud: assessing a payment attempt.

An attempt is assessed once: its key (the payment attempt's reference) names one assessment
for good. The API's ``@idempotent`` answers a repeated call before it gets here; the key's
uniqueness is what holds when that record is missing (another caller's scope, a record
purged), and then the same attempt gets its assessment back and another one a refusal.

A customer's assessments are made one at a time (on PostgreSQL a transaction-scoped advisory
lock on the customer's id; the embedded SQLite takes its write lock at BEGIN), so two attempts
at once never both count the same window.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from extracted.fraud.screening import metrics, rules, selectors
from extracted.fraud.screening.errors import AttemptKeyReused
from extracted.fraud.screening.models import Assessment


@dataclass(frozen=True)
class Assessed:
    assessment: Assessment
    created: bool  # False: the attempt had been assessed already (nothing written)


@transaction.atomic
def assessment_create(
    *,
    attempt_key: str,
    customer_id: int,
    order_id: int,
    amount: Decimal,
    currency: str,
    order_declines: int,
) -> Assessed:
    """Assess one payment attempt and keep the answer; a decline is an answer, not an error.

    The customer's earlier assessments within the window count towards ``too_many_attempts``;
    ``order_declines`` is payments' count of the order's declined attempts. Raises
    :class:`AttemptKeyReused` when ``attempt_key`` already names another attempt.
    """
    attempt = {
        "customer_id": customer_id,
        "order_id": order_id,
        "amount": amount,
        "currency": currency,
        "order_declines": order_declines,
    }
    _one_customer_at_a_time(customer_id)
    earlier = selectors.assessment_find(attempt_key=attempt_key)
    if earlier is not None:
        return Assessed(_the_same_attempt(earlier, attempt), created=False)

    now = timezone.now()
    limits = rules.FraudLimits.from_settings()
    counted = selectors.attempts_in_window(
        customer_id=customer_id, window=rules.Window.ending(now, limits.window)
    )
    reasons = rules.assess(
        amount=amount, attempts_in_window=counted, order_declines=order_declines, limits=limits
    )
    decision = Assessment.Decision.DECLINE if reasons else Assessment.Decision.APPROVE
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                attempt_key=attempt_key,
                attempts_in_window=counted,
                decision=decision,
                reasons=list(reasons),
                created_at=now,
                **attempt,
            )
    except IntegrityError:
        # the same key committed by a concurrent call meanwhile (another customer's lock)
        earlier = selectors.assessment_find(attempt_key=attempt_key)
        if earlier is None:
            raise
        return Assessed(_the_same_attempt(earlier, attempt), created=False)
    transaction.on_commit(lambda: metrics.assessed(decision))
    return Assessed(assessment, created=True)


def _one_customer_at_a_time(customer_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [customer_id])


def _the_same_attempt(earlier: Assessment, attempt: dict[str, object]) -> Assessment:
    if any(getattr(earlier, field) != value for field, value in attempt.items()):
        raise AttemptKeyReused(
            "This Idempotency-Key was already used with a different request body.",
            idempotency_key=earlier.attempt_key,
        )
    return earlier

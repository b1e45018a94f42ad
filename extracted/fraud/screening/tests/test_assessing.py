"""Assessing an attempt: the customer's window counted from fraud's own assessments, in one
query; an attempt (a key) assessed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from extracted.fraud.screening import rules, selectors
from extracted.fraud.screening.errors import AttemptKeyReused
from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.rules import Window
from extracted.fraud.screening.services import Assessed, assessment_create
from extracted.fraud.screening.tests.helpers import CUSTOMER_ID

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def assess(key: str = "order-41-attempt-1", **changes: Any) -> Assessed:
    attempt: dict[str, Any] = {
        "customer_id": CUSTOMER_ID,
        "order_id": 41,
        "amount": Decimal("25.00"),
        "currency": "EUR",
        "order_declines": 0,
        **changes,
    }
    return assessment_create(attempt_key=key, **attempt)


def earlier(
    count: int = 1,
    *,
    at: datetime,
    customer_id: int = CUSTOMER_ID,
    decision: str = Assessment.Decision.APPROVE,
) -> None:
    """``count`` assessments of earlier attempts made at ``at``."""
    for _ in range(count):
        n = Assessment.objects.count() + 1
        Assessment.objects.create(
            attempt_key=f"order-{900 + n}-attempt-1",
            customer_id=customer_id,
            order_id=900 + n,
            amount=Decimal("10.00"),
            currency="EUR",
            order_declines=0,
            attempts_in_window=0,
            decision=decision,
            created_at=at,
        )


def test_a_first_attempt_is_approved_with_nothing_counted() -> None:
    assessed = assess()

    assert assessed.created
    row = Assessment.objects.get()
    assert (row.decision, row.reasons, row.attempts_in_window) == ("approve", [], 0)
    assert (row.attempt_key, row.customer_id, row.order_id) == ("order-41-attempt-1", 42, 41)
    assert (row.amount, row.currency, row.order_declines) == (Decimal("25.00"), "EUR", 0)


def test_the_window_counts_the_customers_attempts_inside_it_and_no_other() -> None:
    window = Window.ending(NOW, WINDOW)
    inside = [NOW - WINDOW + timedelta(microseconds=1), NOW - timedelta(minutes=1), NOW]
    outside = [NOW - WINDOW, NOW - timedelta(days=1), NOW + timedelta(microseconds=1)]
    for at in inside + outside:
        earlier(at=at)
    earlier(at=NOW - timedelta(minutes=1), customer_id=7)

    counted = selectors.attempts_in_window(customer_id=CUSTOMER_ID, window=window)

    assert counted == len(inside) == sum(1 for at in inside + outside if at in window)


def test_declined_attempts_count_towards_the_window_as_approved_ones_do() -> None:
    earlier(2, at=NOW - timedelta(minutes=1), decision=Assessment.Decision.DECLINE)
    earlier(2, at=NOW - timedelta(minutes=2))
    window = Window.ending(NOW, WINDOW)

    counted = selectors.attempts_in_window(customer_id=CUSTOMER_ID, window=window)

    assert counted == 4


def test_each_attempt_counts_the_ones_before_it_not_itself() -> None:
    counted = [assess(f"order-41-attempt-{n}").assessment.attempts_in_window for n in (1, 2, 3)]

    assert counted == [0, 1, 2]


def test_the_sixth_attempt_within_the_window_is_declined() -> None:
    for n in range(1, 6):
        assert assess(f"order-41-attempt-{n}").assessment.decision == "approve"

    sixth = assess("order-41-attempt-6").assessment

    assert (sixth.decision, sixth.reasons, sixth.attempts_in_window) == (
        "decline",
        [rules.TOO_MANY_ATTEMPTS],
        5,
    )


def test_attempts_a_window_old_no_longer_count() -> None:
    earlier(5, at=timezone.now() - WINDOW - timedelta(seconds=1))

    assessed = assess().assessment

    assert (assessed.decision, assessed.attempts_in_window) == ("approve", 0)


def test_the_order_rule_uses_the_declines_payments_sent() -> None:
    third = assess("order-41-attempt-3", order_declines=2).assessment
    fourth = assess("order-41-attempt-4", order_declines=3).assessment

    assert third.decision == "approve"
    assert (fourth.decision, fourth.reasons) == ("decline", [rules.ORDER_ATTEMPTS_EXCEEDED])


def test_every_broken_rule_is_kept_in_order(settings: Any) -> None:
    settings.FRAUD_MAX_ATTEMPTS = 1
    assess("order-41-attempt-1")

    declined = assess("order-41-attempt-2", amount=Decimal("5000.01"), order_declines=3)

    assert declined.assessment.reasons == list(rules.REASONS)
    assert Assessment.objects.get(attempt_key="order-41-attempt-2").reasons == list(rules.REASONS)


def test_the_limits_come_from_the_settings(settings: Any) -> None:
    settings.FRAUD_MAX_AMOUNT = "20.00"
    settings.FRAUD_MAX_ATTEMPTS = 1

    first = assess("order-41-attempt-1", amount=Decimal("20.00")).assessment
    second = assess("order-41-attempt-2", amount=Decimal("20.01")).assessment

    assert first.decision == "approve"
    assert second.reasons == [rules.AMOUNT_OVER_LIMIT, rules.TOO_MANY_ATTEMPTS]


def test_the_window_is_counted_in_one_query_however_long_the_history() -> None:
    def queries(key: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assess(key)
        return [q["sql"] for q in captured.captured_queries]

    few = queries("order-41-attempt-1")
    earlier(40, at=NOW - timedelta(days=1))
    earlier(3, at=timezone.now() - timedelta(minutes=1))
    many = queries("order-41-attempt-2")

    assert len(few) == len(many)
    [count] = [sql for sql in many if "COUNT(" in sql.upper()]
    assert '"screening_assessment"."customer_id"' in count


def test_the_same_attempt_again_returns_its_assessment_and_writes_nothing() -> None:
    first = assess()

    again = assess(amount=Decimal("25.0"))

    assert not again.created
    assert again.assessment.pk == first.assessment.pk
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_id": 7},
        {"order_id": 40},
        {"amount": Decimal("25.01")},
        {"currency": "USD"},
        {"order_declines": 1},
    ],
)
def test_a_key_naming_another_attempt_is_refused(changes: dict[str, Any]) -> None:
    assess()

    with pytest.raises(AttemptKeyReused) as refused:
        assess(**changes)

    assert refused.value.code == "unprocessable"
    assert refused.value.details == {"idempotency_key": "order-41-attempt-1"}
    assert Assessment.objects.count() == 1

"""The fraud rules are pure functions: no database, no settings beyond FraudLimits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monolith.payments import fraud
from monolith.payments.fraud import Attempt, FraudLimits

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LIMITS = FraudLimits(max_amount=Decimal("5000.00"), max_attempts=5, window=timedelta(minutes=10))


def _assess(
    amount: str = "10.00",
    customer_attempts: list[Attempt] | None = None,
    order_attempts: list[Attempt] | None = None,
    order_id: int = 1,
) -> tuple[str, ...]:
    return fraud.assess(
        amount=Decimal(amount),
        order_id=order_id,
        now=NOW,
        customer_attempts=customer_attempts or [],
        order_attempts=order_attempts or [],
        limits=LIMITS,
    )


def _attempts(count: int, *, age: timedelta, order_id: int = 9, declined: bool = False) -> list:
    return [Attempt(order_id=order_id, declined=declined, created_at=NOW - age)] * count


def test_a_first_ordinary_attempt_passes() -> None:
    assert _assess() == ()


def test_amount_equal_to_the_limit_passes() -> None:
    assert _assess("5000.00") == ()


def test_amount_over_the_limit_is_declined() -> None:
    assert _assess("5000.01") == (fraud.AMOUNT_OVER_LIMIT,)


def test_max_attempts_in_the_window_still_allows_the_last_one() -> None:
    assert _assess(customer_attempts=_attempts(4, age=timedelta(minutes=1))) == ()


def test_more_attempts_than_the_limit_in_the_window_are_declined() -> None:
    recent = _attempts(5, age=timedelta(minutes=1))
    assert _assess(customer_attempts=recent) == (fraud.TOO_MANY_ATTEMPTS,)


def test_an_attempt_exactly_window_old_no_longer_counts() -> None:
    recent = _attempts(4, age=timedelta(minutes=1)) + _attempts(1, age=timedelta(minutes=10))
    assert _assess(customer_attempts=recent) == ()


def test_an_attempt_just_inside_the_window_counts() -> None:
    inside = timedelta(minutes=10) - timedelta(microseconds=1)
    recent = _attempts(4, age=timedelta(minutes=1)) + _attempts(1, age=inside)
    assert _assess(customer_attempts=recent) == (fraud.TOO_MANY_ATTEMPTS,)


def test_declined_attempts_count_towards_the_customer_limit() -> None:
    recent = _attempts(5, age=timedelta(minutes=1), declined=True)
    assert fraud.TOO_MANY_ATTEMPTS in _assess(customer_attempts=recent)


def test_two_declines_on_the_order_still_allow_a_third_attempt() -> None:
    on_order = _attempts(2, age=timedelta(days=1), order_id=1, declined=True)
    assert _assess(order_attempts=on_order) == ()


def test_three_declines_on_the_order_decline_the_next_attempt_whenever_they_were() -> None:
    on_order = _attempts(3, age=timedelta(days=1), order_id=1, declined=True)
    assert _assess(order_attempts=on_order) == (fraud.ORDER_ATTEMPTS_EXCEEDED,)


def test_declines_on_other_orders_or_approvals_do_not_count_for_the_order_rule() -> None:
    on_order = _attempts(3, age=timedelta(days=1), order_id=2, declined=True) + _attempts(
        3, age=timedelta(days=1), order_id=1, declined=False
    )
    assert _assess(order_attempts=on_order) == ()


def test_every_broken_rule_is_reported() -> None:
    reasons = _assess(
        "9999.00",
        customer_attempts=_attempts(5, age=timedelta(seconds=5)),
        order_attempts=_attempts(3, age=timedelta(seconds=5), order_id=1, declined=True),
    )
    assert reasons == (
        fraud.AMOUNT_OVER_LIMIT,
        fraud.TOO_MANY_ATTEMPTS,
        fraud.ORDER_ATTEMPTS_EXCEEDED,
    )


def test_limits_are_read_from_settings(settings: pytest.FixtureRequest) -> None:
    settings.FRAUD_MAX_AMOUNT = "100.50"  # type: ignore[attr-defined]
    settings.FRAUD_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    settings.FRAUD_WINDOW = timedelta(seconds=30)  # type: ignore[attr-defined]
    assert FraudLimits.from_settings() == FraudLimits(
        max_amount=Decimal("100.50"), max_attempts=2, window=timedelta(seconds=30)
    )

"""The fraud rules are pure: the monolith's semantics and reason codes, over counts."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from extracted.fraud.screening import rules
from extracted.fraud.screening.rules import FraudLimits, Window

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
OVERRIDES = ("FRAUD_MAX_AMOUNT", "FRAUD_MAX_ATTEMPTS", "FRAUD_WINDOW_SECONDS")
LIMITS = FraudLimits(max_amount=Decimal("5000.00"), max_attempts=5, window=timedelta(minutes=10))


def _assess(amount: str = "10.00", attempts_in_window: int = 0, declines: int = 0) -> tuple:
    return rules.assess(
        amount=Decimal(amount),
        attempts_in_window=attempts_in_window,
        order_declines=declines,
        limits=LIMITS,
    )


def test_a_first_ordinary_attempt_passes() -> None:
    assert _assess() == ()


def test_an_amount_equal_to_the_limit_passes() -> None:
    assert _assess("5000.00") == ()


def test_an_amount_over_the_limit_is_declined() -> None:
    assert _assess("5000.01") == (rules.AMOUNT_OVER_LIMIT,)


def test_max_attempts_in_the_window_still_allows_the_last_one() -> None:
    assert _assess(attempts_in_window=4) == ()


def test_more_attempts_than_the_limit_in_the_window_are_declined() -> None:
    assert _assess(attempts_in_window=5) == (rules.TOO_MANY_ATTEMPTS,)


def test_two_declines_on_the_order_still_allow_a_third_attempt() -> None:
    assert _assess(declines=2) == ()


def test_three_declines_on_the_order_decline_the_next_attempt() -> None:
    assert _assess(declines=3) == (rules.ORDER_ATTEMPTS_EXCEEDED,)


def test_every_broken_rule_is_reported_in_order() -> None:
    assert _assess("9999.00", attempts_in_window=5, declines=3) == rules.REASONS
    assert rules.REASONS == ("amount_over_limit", "too_many_attempts", "order_attempts_exceeded")


@pytest.mark.parametrize(
    ("age", "inside"),
    [
        (timedelta(minutes=10), False),  # exactly window old: no longer counts
        (timedelta(minutes=10) - timedelta(microseconds=1), True),
        (timedelta(minutes=1), True),
        (timedelta(0), True),  # made at the window's end: counts
        (-timedelta(microseconds=1), False),  # after now
    ],
)
def test_the_window_is_half_open(age: timedelta, inside: bool) -> None:
    window = Window.ending(NOW, LIMITS.window)

    assert (NOW - age in window) is inside
    assert window == Window(since=NOW - timedelta(minutes=10), until=NOW)


def test_limits_are_read_from_settings(settings: Any) -> None:
    settings.FRAUD_MAX_AMOUNT = "100.50"
    settings.FRAUD_MAX_ATTEMPTS = 2
    settings.FRAUD_WINDOW = timedelta(seconds=30)

    assert FraudLimits.from_settings() == FraudLimits(
        max_amount=Decimal("100.50"), max_attempts=2, window=timedelta(seconds=30)
    )


@pytest.mark.skipif(
    any(name in os.environ for name in OVERRIDES), reason="the environment sets a fraud limit"
)
def test_the_default_limits_are_the_monoliths() -> None:
    assert FraudLimits.from_settings() == FraudLimits(
        max_amount=Decimal("5000.00"), max_attempts=5, window=timedelta(minutes=10)
    )

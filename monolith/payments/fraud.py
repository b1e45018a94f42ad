"""Fraud rules: pure and deterministic, over the amount and the earlier attempts.

They run before the card processor; a non-empty result declines the attempt without
calling the processor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

AMOUNT_OVER_LIMIT = "amount_over_limit"
TOO_MANY_ATTEMPTS = "too_many_attempts"
ORDER_ATTEMPTS_EXCEEDED = "order_attempts_exceeded"

MAX_DECLINES_PER_ORDER = 3


@dataclass(frozen=True)
class Attempt:
    """An earlier payment attempt, as the rules see it."""

    order_id: int
    declined: bool
    created_at: datetime


@dataclass(frozen=True)
class FraudLimits:
    max_amount: Decimal
    max_attempts: int
    window: timedelta
    max_declines_per_order: int = MAX_DECLINES_PER_ORDER

    @classmethod
    def from_settings(cls) -> FraudLimits:
        return cls(
            max_amount=Decimal(str(settings.FRAUD_MAX_AMOUNT)),
            max_attempts=int(settings.FRAUD_MAX_ATTEMPTS),
            window=settings.FRAUD_WINDOW,
        )


def assess(
    *,
    amount: Decimal,
    order_id: int,
    now: datetime,
    customer_attempts: Iterable[Attempt],
    order_attempts: Iterable[Attempt],
    limits: FraudLimits,
) -> tuple[str, ...]:
    """The reasons to decline this attempt (empty: let the processor decide).

    - ``amount_over_limit``: ``amount > max_amount`` (the limit itself is allowed).
    - ``too_many_attempts``: counting this attempt, the customer makes more than
      ``max_attempts`` attempts within the window. The window is half-open,
      ``(now - window, now]``: an attempt exactly ``window`` old no longer counts.
      Every attempt counts, approved or declined.
    - ``order_attempts_exceeded``: the order already has ``max_declines_per_order`` (3) or
      more declined attempts, whenever they happened.
    """
    since = now - limits.window
    return assess_counts(
        amount=amount,
        attempts_in_window=sum(1 for a in customer_attempts if since < a.created_at <= now),
        order_declines=sum(1 for a in order_attempts if a.order_id == order_id and a.declined),
        limits=limits,
    )


def assess_counts(
    *, amount: Decimal, attempts_in_window: int, order_declines: int, limits: FraudLimits
) -> tuple[str, ...]:
    """:func:`assess` over counts the database has already made (one query, not a row per
    earlier attempt): the customer's attempts within the window and the order's declines."""
    reasons: list[str] = []
    if amount > limits.max_amount:
        reasons.append(AMOUNT_OVER_LIMIT)
    if attempts_in_window + 1 > limits.max_attempts:
        reasons.append(TOO_MANY_ATTEMPTS)
    if order_declines >= limits.max_declines_per_order:
        reasons.append(ORDER_ATTEMPTS_EXCEEDED)
    return tuple(reasons)

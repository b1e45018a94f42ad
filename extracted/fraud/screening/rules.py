"""The fraud rules: pure and deterministic, over counts the database has already made.

Ported from the monolith's payments context (``monolith/payments/fraud.py``): the same
semantics and the same reason codes, so a decline reads the same before and after the
extraction. The one difference is who counts what: fraud counts the customer's attempts from
its own assessments, payments sends the order's declined attempts (only it knows the card
processor's declines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

AMOUNT_OVER_LIMIT = "amount_over_limit"
TOO_MANY_ATTEMPTS = "too_many_attempts"
ORDER_ATTEMPTS_EXCEEDED = "order_attempts_exceeded"
REASONS = (AMOUNT_OVER_LIMIT, TOO_MANY_ATTEMPTS, ORDER_ATTEMPTS_EXCEEDED)

MAX_DECLINES_PER_ORDER = 3


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


@dataclass(frozen=True)
class Window:
    """The half-open interval ``(since, until]`` in which earlier attempts count: an attempt
    exactly ``window`` old no longer counts, one made at ``until`` does."""

    since: datetime
    until: datetime

    @classmethod
    def ending(cls, now: datetime, length: timedelta) -> Window:
        return cls(since=now - length, until=now)

    def __contains__(self, at: datetime) -> bool:
        return self.since < at <= self.until


def assess(
    *, amount: Decimal, attempts_in_window: int, order_declines: int, limits: FraudLimits
) -> tuple[str, ...]:
    """The reasons to decline this attempt, in this order (empty: approve it).

    - ``amount_over_limit``: ``amount > max_amount`` (the limit itself is allowed).
    - ``too_many_attempts``: counting this attempt, the customer makes more than
      ``max_attempts`` attempts within the window; ``attempts_in_window`` are the earlier
      ones, approved or declined (this attempt excluded).
    - ``order_attempts_exceeded``: the order already has ``max_declines_per_order`` (3) or
      more declined attempts, whenever they happened.
    """
    reasons: list[str] = []
    if amount > limits.max_amount:
        reasons.append(AMOUNT_OVER_LIMIT)
    if attempts_in_window + 1 > limits.max_attempts:
        reasons.append(TOO_MANY_ATTEMPTS)
    if order_declines >= limits.max_declines_per_order:
        reasons.append(ORDER_ATTEMPTS_EXCEEDED)
    return tuple(reasons)

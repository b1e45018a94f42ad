"""The values payments hands to other contexts (re-exported by ``interface``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    order_id: int
    status: str  # "approved" | "declined" | "refunded"
    amount: Decimal
    currency: str
    decline_reasons: tuple[str, ...]

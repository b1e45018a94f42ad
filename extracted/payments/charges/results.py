"""The result of a charge or a refund, as the services return it and the internal API answers
it (``internal_apis``)."""

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

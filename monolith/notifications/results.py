"""The values notifications hands to other contexts (re-exported by ``interface``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    customer_id: int
    kind: str  # "order_received" | "order_paid" | "order_cancelled"
    subject: str
    status: str  # "pending" | "sent" | "failed"
    order_id: int | None
    created_at: datetime
    sent_at: datetime | None

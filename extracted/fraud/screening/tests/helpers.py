from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from extracted.fraud.screening.models import Assessment
from strangler.idempotency.models import IdempotencyRecord

URL = "/internal/v1/assessments"
CUSTOMER_ID = 42


def body(**changes: Any) -> dict[str, Any]:
    """What payments sends for one attempt (order 41, 25.00 EUR, no decline yet)."""
    return {
        "customer_id": CUSTOMER_ID,
        "order_id": 41,
        "amount": "25.00",
        "currency": "EUR",
        "order_declines": 0,
        **changes,
    }


def post(client: APIClient, data: Any, key: str | None = "order-41-attempt-1") -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(URL, data, format="json", headers=headers)


def rows() -> tuple[int, int]:
    """(assessments, idempotency records)."""
    return Assessment.objects.count(), IdempotencyRecord.objects.count()

"""Valid events for the tests."""

from __future__ import annotations

from typing import Any

from strangler.events import Event


def order_paid_data(order_id: int = 7, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "payment_id": 3,
        "total": "31.50",
        "currency": "EUR",
        "lines": [{"sku": "MUG-BLUE", "name": "Blue mug", "quantity": 2, "unit_price": "15.75"}],
        "paid_at": "2025-01-02T03:04:05Z",
    }
    data.update(overrides)
    return data


def order_paid(order_id: int = 7, **overrides: Any) -> Event:
    return Event(type="order.paid", data=order_paid_data(order_id, **overrides), source="tests")


def order_cancelled(order_id: int = 7, **overrides: Any) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "reason": "changed my mind",
        "cause": "requested",
        "was_paid": False,
        "cancelled_at": "2025-01-02T03:04:05Z",
    }
    data.update(overrides)
    return Event(type="order.cancelled", data=data, source="tests")

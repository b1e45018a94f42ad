from __future__ import annotations

from typing import Any

from strangler.events import Event

CUSTOMER_ID = 42
OTHER_CUSTOMER_ID = 43


def order_created(order_id: int = 7, **overrides: Any) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "total": "31.50",
        "currency": "EUR",
        "lines": [
            {"sku": "MUG-BLUE", "name": "Blue mug", "quantity": 2, "unit_price": "12.00"},
            {"sku": "TEA-EARL", "name": "Earl Grey, 100 g", "quantity": 1, "unit_price": "7.50"},
        ],
        "created_at": "2025-01-02T03:00:00Z",
    }
    data.update(overrides)
    return Event(type="order.created", data=data, source="monolith.orders")


def order_paid(order_id: int = 7, **overrides: Any) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "payment_id": 3,
        "total": "31.50",
        "currency": "EUR",
        "lines": [
            {"sku": "MUG-BLUE", "name": "Blue mug", "quantity": 2, "unit_price": "12.00"},
            {"sku": "TEA-EARL", "name": "Earl Grey, 100 g", "quantity": 1, "unit_price": "7.50"},
        ],
        "paid_at": "2025-01-02T03:04:05Z",
    }
    data.update(overrides)
    return Event(type="order.paid", data=data, source="monolith.orders")


def order_cancelled(order_id: int = 7, cause: str = "requested", **overrides: Any) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "reason": "The reservation expired.",
        "cause": cause,
        "was_paid": False,
        "cancelled_at": "2025-01-02T03:04:05Z",
    }
    data.update(overrides)
    return Event(type="order.cancelled", data=data, source="monolith.orders")

from __future__ import annotations

from typing import Any

from strangler.events import Event

MUG = {"sku": "MUG-BLUE", "name": "Blue mug", "quantity": 2, "unit_price": "12.00"}
TEA = {"sku": "TEA-EARL", "name": "Earl Grey, 100 g", "quantity": 1, "unit_price": "7.50"}


def order_created(order_id: int = 7, **overrides: Any) -> Event:
    """Order 7: 2 mugs and a tea, 31.50 EUR, placed on 2025-01-02 (UTC)."""
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "total": "31.50",
        "currency": "EUR",
        "lines": [MUG, TEA],
        "created_at": "2025-01-02T03:00:00Z",
    }
    data.update(overrides)
    return Event(type="order.created", data=data, source="monolith.orders")


def order_paid(order_id: int = 7, **overrides: Any) -> Event:
    """Order 7: 2 mugs and a tea, 31.50 EUR, paid on 2025-01-02 (UTC)."""
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "payment_id": order_id,
        "total": "31.50",
        "currency": "EUR",
        "lines": [MUG, TEA],
        "paid_at": "2025-01-02T03:04:05Z",
    }
    data.update(overrides)
    return Event(type="order.paid", data=data, source="monolith.orders")


def order_cancelled(order_id: int = 7, *, was_paid: bool = True, **overrides: Any) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": 42,
        "customer_email": "ada@example.com",
        "reason": "Cancelled at the customer's request.",
        "cause": "requested",
        "was_paid": was_paid,
        "cancelled_at": "2025-01-05T10:00:00Z",
    }
    data.update(overrides)
    return Event(type="order.cancelled", data=data, source="monolith.orders")

from __future__ import annotations

from typing import Any

from extracted.inventory.stock.models import StockItem
from extracted.inventory.stock.outbox.models import OutboxMessage
from strangler.events import Event

CUSTOMER_ID = 42


def _lines(lines: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [
        {"sku": sku, "name": sku.title(), "quantity": quantity, "unit_price": "3.00"}
        for sku, quantity in lines
    ]


def order_created(order_id: int = 7, lines: list[tuple[str, int]] | None = None) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "total": "6.00",
        "currency": "EUR",
        "lines": _lines(lines or [("MUG", 2)]),
        "created_at": "2025-01-02T03:04:05Z",
    }
    return Event(type="order.created", data=data, source="monolith.orders")


def order_paid(order_id: int = 7, lines: list[tuple[str, int]] | None = None) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "payment_id": 3,
        "total": "6.00",
        "currency": "EUR",
        "lines": _lines(lines or [("MUG", 2)]),
        "paid_at": "2025-01-02T03:04:05Z",
    }
    return Event(type="order.paid", data=data, source="monolith.orders")


def order_cancelled(
    order_id: int = 7, *, was_paid: bool = False, cause: str = "requested"
) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "customer_email": "ada@example.com",
        "reason": "The customer cancelled.",
        "cause": cause,
        "was_paid": was_paid,
        "cancelled_at": "2025-01-02T03:04:05Z",
    }
    return Event(type="order.cancelled", data=data, source="monolith.orders")


def stock(sku: str) -> tuple[int, int]:
    """``(on_hand, reserved)`` of the SKU."""
    item = StockItem.objects.get(sku=sku)
    return item.on_hand, item.reserved


def published(order_id: int | None = None) -> list[str]:
    """The event types in the outbox (of one order), in the order written."""
    rows = OutboxMessage.objects.order_by("id")
    if order_id is not None:
        rows = rows.filter(aggregate_id=str(order_id))
    return [row.event_type for row in rows]


def payload(event_type: str) -> dict[str, Any]:
    data: dict[str, Any] = OutboxMessage.objects.get(event_type=event_type).payload["data"]
    return data

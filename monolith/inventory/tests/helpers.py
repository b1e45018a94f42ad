"""Small test helpers for the inventory tests."""

from __future__ import annotations

from typing import Any

from monolith.inventory.models import Reservation, StockItem


def stock(sku: str) -> tuple[int, int]:
    """``(on_hand, reserved)`` of the SKU as stored."""
    item = StockItem.objects.get(sku=sku)
    return item.on_hand, item.reserved


def snapshot() -> dict[str, Any]:
    """Every stock row and every reservation row, to assert that nothing changed."""
    return {
        "stock": list(StockItem.objects.order_by("sku").values_list("sku", "on_hand", "reserved")),
        "reservations": list(
            Reservation.objects.order_by("order_id", "sku").values_list(
                "order_id", "sku", "quantity", "status", "expires_at"
            )
        ),
    }

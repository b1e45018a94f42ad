"""Reads of the inventory."""

from __future__ import annotations

from django.db.models import QuerySet

from monolith.inventory.errors import SkuNotFound
from monolith.inventory.models import Reservation, StockItem


def stock_get(*, sku: str) -> StockItem:
    try:
        return StockItem.objects.get(sku=sku)
    except StockItem.DoesNotExist:
        raise SkuNotFound(f"No stock record for SKU {sku!r}.", sku=sku) from None


def reservation_list_for_order(*, order_id: int) -> QuerySet[Reservation]:
    return Reservation.objects.filter(order_id=order_id).order_by("sku")

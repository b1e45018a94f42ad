"""Reads of the inventory."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Sum

from extracted.inventory.stock.errors import ReservationNotFound, SkuNotFound
from extracted.inventory.stock.models import Reservation, StockItem


def stock_get(*, sku: str) -> StockItem:
    try:
        return StockItem.objects.get(sku=sku)
    except StockItem.DoesNotExist:
        raise SkuNotFound(f"No stock record for SKU {sku!r}.", sku=sku) from None


def reservation_get(*, order_id: int) -> list[Reservation]:
    """The order's reservation rows by SKU; raises :class:`ReservationNotFound` when none."""
    rows = list(Reservation.objects.filter(order_id=order_id).order_by("sku"))
    if not rows:
        raise ReservationNotFound(f"Order {order_id} has no reservation.", order_id=order_id)
    return rows


def active_reservations(*, sku: str) -> list[Reservation]:
    """The unpaid orders holding units of ``sku`` (what makes up its ``reserved``), soonest to
    expire first."""
    return list(
        Reservation.objects.filter(sku=sku, status=Reservation.Status.ACTIVE).order_by(
            "expires_at", "order_id"
        )
    )


def stock_totals(*, skus: Iterable[str]) -> tuple[int, int]:
    """How many of ``skus`` have a shelf here, and the units on hand across them."""
    totals = StockItem.objects.filter(sku__in=list(skus)).aggregate(
        shelves=Count("id"), units=Sum("on_hand")
    )
    return totals["shelves"], totals["units"] or 0

"""The inventory's published interface: the ONLY module other contexts may import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monolith.inventory import selectors, services
from monolith.inventory.errors import (
    InvalidReservation,
    InvalidStockLevel,
    OutOfStock,
    ReservationExists,
    ReservationNotActive,
    ReservationNotFound,
    SkuNotFound,
)

if TYPE_CHECKING:
    from monolith.inventory.models import StockItem

__all__ = [
    "Availability",
    "InvalidReservation",
    "InvalidStockLevel",
    "OutOfStock",
    "ReservationExists",
    "ReservationLine",
    "ReservationNotActive",
    "ReservationNotFound",
    "SkuNotFound",
    "commit_reservation",
    "get_availability",
    "release_expired_reservations",
    "release_reservation",
    "reserve_stock",
    "restock_order",
    "seed_demo_stock",
    "set_stock",
]


@dataclass(frozen=True)
class Availability:
    sku: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class ReservationLine:
    sku: str
    quantity: int


def _availability(item: StockItem) -> Availability:
    return Availability(
        sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
    )


def get_availability(sku: str) -> Availability:
    """Raises :class:`SkuNotFound`."""
    return _availability(selectors.stock_get(sku=sku))


def reserve_stock(
    *, order_id: int, lines: Sequence[ReservationLine], hold_until: datetime | None = None
) -> datetime:
    """Hold stock for the order, all lines or none, until ``hold_until`` at most (never longer
    than ``INVENTORY_RESERVATION_TTL``); returns the expiry.

    Duplicate SKUs are merged. Raises :class:`OutOfStock` (details sku, requested, available),
    :class:`SkuNotFound`, :class:`InvalidReservation` (no lines, quantity < 1) or
    :class:`ReservationExists` (the order already reserved other lines); nothing changes then.
    Repeating the same call returns the same expiry.
    """
    wanted = [(line.sku, line.quantity) for line in lines]
    return services.stock_reserve(order_id=order_id, lines=wanted, hold_until=hold_until)


def commit_reservation(*, order_id: int) -> None:
    """Paid: the reserved units leave ``on_hand``; idempotent.

    Raises :class:`ReservationNotFound` (nothing reserved) or :class:`ReservationNotActive`
    (already released, e.g. expired).
    """
    services.reservation_commit(order_id=order_id)


def release_reservation(*, order_id: int) -> None:
    """Cancelled/expired before payment: held units return to available; idempotent, no-op
    for a committed order or an order without a reservation."""
    services.reservation_release(order_id=order_id)


def restock_order(*, order_id: int) -> None:
    """A paid order was cancelled: committed units return to ``on_hand``; idempotent."""
    services.reservation_restock(order_id=order_id)


def release_expired_reservations(now: datetime | None = None) -> list[int]:
    """Release every expired active reservation; returns the ids of those orders."""
    return services.reservation_release_expired(now=now)


def set_stock(*, sku: str, on_hand: int) -> Availability:
    """Create or set the stock row; raises :class:`InvalidStockLevel` below 0 or below the
    reserved units."""
    return _availability(services.stock_set(sku=sku, on_hand=on_hand))


def seed_demo_stock(skus: Iterable[str]) -> None:
    """Create the missing stock rows with a deterministic level (5..120); idempotent."""
    services.stock_seed_demo(skus=skus)

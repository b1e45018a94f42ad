"""Adapters behind the inventory's events port (``INVENTORY_EVENTS_ADAPTER``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from monolith.inventory.ports import ReleaseCause

if TYPE_CHECKING:
    from monolith.inventory.models import Reservation


class NoEvents:
    """Stages 0 and 1: nobody outside the monolith hears about stock; nothing is written."""

    def stock_reserved(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        return None

    def stock_committed(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        return None

    def stock_released(
        self, *, order_id: int, rows: Sequence[Reservation], cause: ReleaseCause, at: datetime
    ) -> None:
        return None

    def stock_restocked(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        return None

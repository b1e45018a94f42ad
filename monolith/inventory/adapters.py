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


class OutboxEvents:
    """Stage 2 on: integration events written to the inventory outbox, in the same transaction."""

    def stock_reserved(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        from monolith.inventory import events

        events.publish_stock_reserved(order_id=order_id, rows=rows, at=at)

    def stock_committed(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        from monolith.inventory import events

        events.publish_stock_committed(order_id=order_id, rows=rows, at=at)

    def stock_released(
        self, *, order_id: int, rows: Sequence[Reservation], cause: ReleaseCause, at: datetime
    ) -> None:
        from monolith.inventory import events

        events.publish_stock_released(order_id=order_id, rows=rows, cause=cause, at=at)

    def stock_restocked(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        from monolith.inventory import events

        events.publish_stock_restocked(order_id=order_id, rows=rows, at=at)

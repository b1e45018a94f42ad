"""Stage 2 on: the adapter behind the inventory events port (``INVENTORY_EVENTS_ADAPTER``) that
writes stock.* integration events to the inventory outbox, in the transaction of the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from monolith.inventory.outbox import events
from monolith.inventory.ports import ReleaseCause

if TYPE_CHECKING:
    from monolith.inventory.models import Reservation


class OutboxEvents:
    """Stage 2 on: integration events written to the inventory outbox, in the same transaction."""

    def stock_reserved(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        events.publish_stock_reserved(order_id=order_id, rows=rows, at=at)

    def stock_committed(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        events.publish_stock_committed(order_id=order_id, rows=rows, at=at)

    def stock_released(
        self, *, order_id: int, rows: Sequence[Reservation], cause: ReleaseCause, at: datetime
    ) -> None:
        events.publish_stock_released(order_id=order_id, rows=rows, cause=cause, at=at)

    def stock_restocked(self, *, order_id: int, rows: Sequence[Reservation], at: datetime) -> None:
        events.publish_stock_restocked(order_id=order_id, rows=rows, at=at)

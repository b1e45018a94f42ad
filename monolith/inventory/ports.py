"""Who hears about the inventory's reservations (branch by abstraction).

The adapter is chosen by the setting ``INVENTORY_EVENTS_ADAPTER`` (a dotted path to a class
implementing :class:`StockEventsPort`, built by the composition root, see ``wiring.py``):
nobody at stages 0 and 1 (``NoEvents``), the inventory outbox from stage 2 on
(``OutboxEvents``, set by the stage's settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from monolith.inventory.models import Reservation

# Why held units went back to available: released before the hold ran out (the order was
# cancelled, or its checkout abandoned) or at/after it (the order expired, or the sweeper).
ReleaseCause = Literal["cancelled", "expired"]


class StockEventsPort(Protocol):
    """Called inside the transaction that moved the stock, with the reservation rows it moved
    (one per SKU of the order); never called when a call changed nothing (a repeat)."""

    def stock_reserved(
        self, *, order_id: int, rows: Sequence[Reservation], at: datetime
    ) -> None: ...

    def stock_committed(
        self, *, order_id: int, rows: Sequence[Reservation], at: datetime
    ) -> None: ...

    def stock_released(
        self, *, order_id: int, rows: Sequence[Reservation], cause: ReleaseCause, at: datetime
    ) -> None: ...

    def stock_restocked(
        self, *, order_id: int, rows: Sequence[Reservation], at: datetime
    ) -> None: ...

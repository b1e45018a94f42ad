"""The in-process inventory adapter behind the orders' inventory port (stages 0 to 2): it calls
the inventory context's published interface. Stage 3 reserves over HTTP instead
(``monolith.orders.http_inventory``); stage 4 retires this module with the inventory context.

The interface is imported inside the methods so that the orders context loads even where this
adapter is not in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from monolith.orders.ports import OutOfStock, ReservationLost, StockLine


class InProcessInventory:
    def available(self, sku: str) -> int:
        from monolith.inventory import interface as inventory

        try:
            return inventory.get_availability(sku).available
        except inventory.SkuNotFound:
            return 0

    def reserve(
        self, *, order_id: int, lines: Sequence[StockLine], hold_until: datetime
    ) -> datetime:
        from monolith.inventory import interface as inventory

        wanted = [inventory.ReservationLine(sku=line.sku, quantity=line.quantity) for line in lines]
        try:
            return inventory.reserve_stock(order_id=order_id, lines=wanted, hold_until=hold_until)
        except inventory.OutOfStock as exc:
            raise OutOfStock(exc.message, **exc.details) from exc
        except inventory.SkuNotFound as exc:
            sku = exc.details.get("sku", "")
            requested = next((line.quantity for line in lines if line.sku == sku), 0)
            raise OutOfStock(
                f"{sku} is not in stock.", sku=sku, requested=requested, available=0
            ) from exc

    def commit(self, *, order_id: int) -> None:
        from monolith.inventory import interface as inventory

        try:
            inventory.commit_reservation(order_id=order_id)
        except (inventory.ReservationNotActive, inventory.ReservationNotFound) as exc:
            raise ReservationLost(exc.message, order_id=order_id) from exc

    def release(self, *, order_id: int) -> None:
        from monolith.inventory import interface as inventory

        inventory.release_reservation(order_id=order_id)

    def restock(self, *, order_id: int) -> None:
        from monolith.inventory import interface as inventory

        inventory.restock_order(order_id=order_id)

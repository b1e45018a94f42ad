"""In-process adapters behind the ports: they call the other contexts' published interfaces.

The interfaces are imported inside the methods so that the orders context loads even where
an adapter is not in use (a stage that reaches the context over HTTP instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from monolith.orders.ports import (
    ChargeResult,
    OutOfStock,
    RefundResult,
    ReservationLost,
    StockLine,
)


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


class InProcessPayments:
    def accepts_card_token(self, card_token: str) -> bool:
        from monolith.payments import interface as payments

        return payments.card_token_is_known(card_token)

    def charge(
        self, *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
    ) -> ChargeResult:
        from monolith.payments import interface as payments

        result = payments.charge(
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            card_token=card_token,
        )
        return ChargeResult(
            payment_id=result.payment_id,
            approved=result.status == "approved",
            decline_reasons=tuple(result.decline_reasons),
        )

    def refund(self, *, order_id: int, reason: str) -> RefundResult | None:
        from monolith.payments import interface as payments

        result = payments.refund(order_id=order_id, reason=reason)
        if result is None:
            return None
        return RefundResult(
            payment_id=result.payment_id, amount=result.amount, currency=result.currency
        )

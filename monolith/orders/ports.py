"""What orders needs from inventory and payments (branch by abstraction).

The ports speak plain values only (no Django models, no other context's types), so an
adapter may call the context in process today and over HTTP once it is extracted. The
adapter translates the other side's errors into the ones declared here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol

from strangler.errors import Conflict

if TYPE_CHECKING:
    from monolith.orders.models import Order, OrderLine


@dataclass(frozen=True)
class StockLine:
    sku: str
    quantity: int


class OutOfStock(Conflict):
    """details: sku, requested, available."""

    code = "out_of_stock"


class ReservationLost(Conflict):
    """The order's reservation is no longer held (released or expired): nothing to commit."""

    code = "reservation_not_active"


class InventoryPort(Protocol):
    def available(self, sku: str) -> int:
        """Units that can still be reserved (0 for a SKU inventory does not stock)."""
        ...

    def reserve(
        self, *, order_id: int, lines: Sequence[StockLine], hold_until: datetime
    ) -> datetime:
        """All or nothing, held until ``hold_until`` at most; returns when the hold ends
        (``hold_until`` itself unless inventory holds for less). Raises OutOfStock."""
        ...

    def commit(self, *, order_id: int) -> None:
        """The order is paid: the reserved units leave the shelf. Idempotent.

        Raises ReservationLost when the reservation was released or never made.
        """
        ...

    def release(self, *, order_id: int) -> None:
        """The unpaid order is cancelled or expired: free the reservation. Idempotent."""
        ...

    def restock(self, *, order_id: int) -> None:
        """A paid order was cancelled: its units go back on the shelf. Idempotent."""
        ...


@dataclass(frozen=True)
class ChargeResult:
    payment_id: int
    approved: bool
    decline_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefundResult:
    payment_id: int
    amount: Decimal
    currency: str


class PaymentsPort(Protocol):
    def accepts_card_token(self, card_token: str) -> bool:
        """Checked before anything is written, so an unknown card changes nothing."""
        ...

    def charge(
        self, *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
    ) -> ChargeResult:
        """Never raises for a decline; a raise means the outcome is unknown."""
        ...

    def refund(self, *, order_id: int, reason: str) -> RefundResult | None:
        """Refund the order's approved payment; idempotent; None if nothing was approved."""
        ...


CancelCause = Literal["requested", "expired", "checkout_failed", "stock_unavailable"]


@dataclass(frozen=True)
class Contact:
    """Who an order's e-mails go to: the customer, as a caller that has read them holds them."""

    email: str
    full_name: str


class OrderEventsPort(Protocol):
    """Who hears about an order's life, called inside the transaction that changed it.

    In process (stages 0 and 1) notifications is called directly; from stage 2 on the events
    go to the orders outbox and reach the extracted notifications service (and any other
    subscriber) through the broker. The stage's settings choose (``ORDERS_EVENTS_ADAPTER``).

    The caller passes the order's lines as it holds them and, when it has read the customer
    already (the checkout has, with the shipping address), their contact; with ``None`` the
    adapter reads the contact itself if it needs it.
    """

    def order_created(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None: ...

    def order_paid(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None: ...

    def order_cancelled(
        self, order: Order, *, reason: str, cause: CancelCause, was_paid: bool
    ) -> None: ...

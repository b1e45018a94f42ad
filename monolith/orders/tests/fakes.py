"""In-memory stand-ins for everything the orders context talks to.

``FakeInventory``, ``FakePayments`` and ``FakeOrderEvents`` sit behind the ports (a fixture
puts them in the composition root for the test). The catalog and customers fakes replace the
functions of those contexts' interfaces, so these tests exercise the orders context alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from monolith.catalog.interface import ProductInfo, ProductNotFound
from monolith.customers.interface import Address, AddressNotFound, CustomerNotFound, Recipient
from monolith.orders.models import Order, OrderLine
from monolith.orders.ports import (
    CancelCause,
    ChargeResult,
    Contact,
    OutOfStock,
    RefundResult,
    ReservationLost,
    StockLine,
)


@dataclass
class Reservation:
    lines: dict[str, int]
    state: str = "reserved"  # reserved | committed | released | restocked
    expires_at: datetime = field(default_factory=timezone.now)


class FakeInventory:
    """Stock by SKU with reservations per order; every call is recorded in ``calls``."""

    ttl = timedelta(minutes=15)

    def __init__(self) -> None:
        self.on_hand: dict[str, int] = {}
        self.reservations: dict[int, Reservation] = {}
        self.calls: list[tuple[str, int]] = []

    def reserved(self, sku: str) -> int:
        return sum(r.lines.get(sku, 0) for r in self.reservations.values() if r.state == "reserved")

    def available(self, sku: str) -> int:
        return self.on_hand.get(sku, 0) - self.reserved(sku)

    def reserve(
        self, *, order_id: int, lines: Sequence[StockLine], hold_until: datetime
    ) -> datetime:
        self.calls.append(("reserve", order_id))
        for line in lines:
            if self.available(line.sku) < line.quantity:
                raise OutOfStock(
                    f"Not enough {line.sku}.",
                    sku=line.sku,
                    requested=line.quantity,
                    available=self.available(line.sku),
                )
        reservation = Reservation({line.sku: line.quantity for line in lines})
        reservation.expires_at = min(hold_until, timezone.now() + self.ttl)
        self.reservations[order_id] = reservation
        return reservation.expires_at

    def commit(self, *, order_id: int) -> None:
        self.calls.append(("commit", order_id))
        reservation = self.reservations.get(order_id)
        if reservation is None or reservation.state not in ("reserved", "committed"):
            raise ReservationLost("The reservation is not active.", order_id=order_id)
        if reservation.state == "reserved":
            for sku, quantity in reservation.lines.items():
                self.on_hand[sku] -= quantity
            reservation.state = "committed"

    def release(self, *, order_id: int) -> None:
        self.calls.append(("release", order_id))
        reservation = self.reservations.get(order_id)
        if reservation is not None and reservation.state == "reserved":
            reservation.state = "released"

    def restock(self, *, order_id: int) -> None:
        self.calls.append(("restock", order_id))
        reservation = self.reservations.get(order_id)
        if reservation is not None and reservation.state == "committed":
            for sku, quantity in reservation.lines.items():
                self.on_hand[sku] += quantity
            reservation.state = "restocked"


class FakePayments:
    """tok_visa approves, tok_declined / tok_insufficient_funds decline; ``fail_with`` raises."""

    DECLINES = {"tok_declined": "card_declined", "tok_insufficient_funds": "insufficient_funds"}

    def __init__(self) -> None:
        self.charges: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None
        self._ids = itertools.count(9001)

    def accepts_card_token(self, card_token: str) -> bool:
        return card_token == "tok_visa" or card_token in self.DECLINES

    def charge(
        self, *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
    ) -> ChargeResult:
        if self.fail_with is not None:
            raise self.fail_with
        decline = self.DECLINES.get(card_token)
        result = ChargeResult(
            payment_id=next(self._ids),
            approved=decline is None,
            decline_reasons=(decline,) if decline else (),
        )
        self.charges.append(
            {"order_id": order_id, "amount": amount, "currency": currency, "result": result}
        )
        return result

    def refund(self, *, order_id: int, reason: str) -> RefundResult | None:
        approved = [c for c in self.charges if c["order_id"] == order_id and c["result"].approved]
        if not approved:
            return None
        if not any(r["order_id"] == order_id for r in self.refunds):
            self.refunds.append({"order_id": order_id, "reason": reason})
        charge = approved[0]
        return RefundResult(charge["result"].payment_id, charge["amount"], charge["currency"])


class FakeCatalog:
    def __init__(self) -> None:
        self.products: dict[str, ProductInfo] = {}

    def add(self, sku: str, price: str, *, name: str = "", is_active: bool = True) -> ProductInfo:
        product = ProductInfo(sku, name or f"Product {sku}", Decimal(price), "EUR", is_active)
        self.products[sku] = product
        return product

    def get_product(self, sku: str) -> ProductInfo:
        if sku not in self.products:
            raise ProductNotFound(f"No product {sku}.", sku=sku)
        return self.products[sku]

    def get_products(self, skus: Iterable[str]) -> dict[str, ProductInfo]:
        return {sku: self.products[sku] for sku in skus if sku in self.products}


class FakeCustomers:
    def __init__(self) -> None:
        self.addresses: dict[int, tuple[int, Address]] = {}
        self.customers: set[int] = set()

    def add_address(self, customer_id: int, *, city: str, is_default: bool = False) -> Address:
        self.customers.add(customer_id)
        address = Address(
            id=len(self.addresses) + 1,
            full_name=f"Customer {customer_id}",
            line1=f"{len(self.addresses) + 1} Canal Street",
            line2="",
            city=city,
            postal_code="1011 AB",
            country="NL",
            is_default=is_default,
        )
        self.addresses[address.id] = (customer_id, address)
        return address

    def get_address(self, *, customer_id: int, address_id: int) -> Address:
        owner, address = self.addresses.get(address_id, (None, None))
        if owner != customer_id or address is None:
            raise AddressNotFound("No such address.", address_id=address_id)
        return address

    def get_recipient(self, customer_id: int) -> Recipient:
        if customer_id not in self.customers:
            raise CustomerNotFound("No such customer.", customer_id=customer_id)
        default = next(
            (a for owner, a in self.addresses.values() if owner == customer_id and a.is_default),
            None,
        )
        return Recipient(customer_id, f"c{customer_id}@example.com", "Customer", default)


class FakeOrderEvents:
    """Behind the orders events port: what orders announced, in order, whatever the stage's
    adapter (in-process notifications or the outbox) would make of it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, dict[str, Any]]] = []

    def order_created(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        self.sent.append(("order_created", order.pk, {"contact": contact}))

    def order_paid(
        self, order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
    ) -> None:
        listed = [(line.sku, line.name, line.quantity) for line in lines]
        self.sent.append(("order_paid", order.pk, {"lines": listed, "contact": contact}))

    def order_cancelled(
        self, order: Order, *, reason: str, cause: CancelCause, was_paid: bool
    ) -> None:
        details = {"reason": reason, "cause": cause, "was_paid": was_paid}
        self.sent.append(("order_cancelled", order.pk, details))

    def kinds(self, order_id: int) -> list[str]:
        return [kind for kind, oid, _ in self.sent if oid == order_id]

    def details(self, kind: str, order_id: int) -> dict[str, Any]:
        return next(d for k, oid, d in self.sent if (k, oid) == (kind, order_id))

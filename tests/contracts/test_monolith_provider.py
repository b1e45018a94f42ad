"""The monolith keeps its consumers' pacts at every stage: every interaction of the committed
pact files that name it as provider (strangler/contracts/pacts/), replayed against a running
monolith. The pacts: the gateway's order summary (its orders part) and, from stage 4 on, the
payments service's order book (``payments-monolith.json``, the internal API under
/internal/v1/orders/).

The monolith is Django's live server (a real HTTP server on a free port) over the test
database. Pact calls the provider-state functions below before each interaction; they write
the exact rows the consumer's examples name (order 7 paid with payment 31; the order book's
orders 41 and 43), which no public API can create with chosen ids, so this module writes them
with the models. What the monolith asks of other services while it answers (a confirmed
order commits its stock) goes to a fake behind the port: the contract under test is the
monolith's, not theirs, and the monolith's inventory is a service of its own from stage 3 on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from monolith.customers.models import Customer
from monolith.orders.models import Order, OrderLine
from monolith.orders.ports import StockLine
from monolith.orders.tests.fakes import FakeInventory
from monolith.orders.wiring import INVENTORY
from strangler.auth.tokens import issue_pair
from strangler.composition import root
from strangler.contracts.pact import CUSTOMER_ID, PACTS, verify_provider
from tests.contracts.states import ORDER_ID, PAYMENT_ID, SHIPPING, a_paid_order

SKU = "PACT-1"
ORDER_BOOK_PACT = PACTS / "payments-monolith.json"


@pytest.fixture
def inventory() -> Iterator[FakeInventory]:
    fake = FakeInventory()
    with root.replaced(INVENTORY, fake):
        yield fake


def states(inventory: FakeInventory) -> dict[str, Any]:
    def book_order(order_id: int, status: str) -> None:
        """Customer CUSTOMER_ID (their row too: a paid order's event carries their contact)
        and their order ``order_id`` of one 25.00 EUR line, in ``status``, a pending one
        holding its unit of stock for a while yet. Written again whole for each interaction:
        a confirmation leaves the order paid and its hold committed."""
        Customer.objects.update_or_create(
            id=CUSTOMER_ID,
            defaults={"email": "ada@example.com", "full_name": "Ada Lovelace", "password": "!"},
        )
        now = timezone.now()
        hold_until = now + timedelta(minutes=15)
        order, _ = Order.objects.update_or_create(
            id=order_id,
            defaults={
                "customer_id": CUSTOMER_ID,
                "status": status,
                "total": Decimal("25.00"),
                "currency": "EUR",
                **SHIPPING,
                "payment_id": None,
                "paid_at": None,
                "cancelled_at": now if status == "cancelled" else None,
                "reservation_expires_at": hold_until,
            },
        )
        order.lines.all().delete()
        OrderLine.objects.create(
            order=order,
            sku=SKU,
            name="Pact mug",
            unit_price=Decimal("25.00"),
            quantity=1,
            line_total=Decimal("25.00"),
        )
        inventory.reservations.pop(order_id, None)
        inventory.on_hand[SKU] = 5
        if status == "pending":
            inventory.reserve(
                order_id=order_id,
                lines=[StockLine(sku=SKU, quantity=1)],
                hold_until=hold_until,
            )

    def no_order(order_id: int) -> None:
        Order.objects.filter(id=order_id).delete()

    return {
        f"customer {CUSTOMER_ID} has order {ORDER_ID}, paid with payment {PAYMENT_ID}": (
            a_paid_order
        ),
        f"customer {CUSTOMER_ID} has no order 999": lambda **_: no_order(999),
        # the payments service's order book (stage 4)
        f"customer {CUSTOMER_ID} has pending order 41 of 25.00 EUR": (
            lambda **_: book_order(41, "pending")
        ),
        f"customer {CUSTOMER_ID} has cancelled order 43": lambda **_: book_order(43, "cancelled"),
        "no order 404 exists": lambda **_: no_order(404),
    }


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the states write
def test_the_monolith_honours_every_pact_that_names_it(
    live_server: LiveServer, inventory: FakeInventory
) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "monolith",
        live_server.url,
        states(inventory),
        headers={"Authorization": f"Bearer {token}"},
    )
    # the order book's confirmation (stage 4 on: its pact) committed order 41's hold, through
    # the port; before it, nothing asked the monolith to
    assert (("commit", 41) in inventory.calls) == ORDER_BOOK_PACT.is_file()

"""The monolith keeps its consumers' pacts: every interaction of the committed pact files that
name it as provider (strangler/contracts/pacts/), replayed against a running monolith.

The monolith is Django's live server (a real HTTP server on a free port) over the test
database. Pact calls the provider-state functions below before each interaction; they write
the exact rows the consumer's examples name (order 7, payment 31; the order book's orders 41
and 43), which no public API can create with chosen ids, so this module writes them with the
models. The pacts: the gateway's order summary, and the payments service's order book
(``payments-monolith.json``, the internal API under /internal/v1/orders/); and, while the
monolith serves payments (up to stage 3), the order summary's payments part, whose provider is
payments (``gateway-order-summary-payments.json``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from monolith.customers.models import Customer
from monolith.inventory import interface as inventory
from monolith.inventory.models import Reservation, StockItem
from monolith.orders.models import Order, OrderLine
from monolith.payments.models import Payment
from strangler.auth.tokens import issue_pair
from strangler.contracts.pact import CUSTOMER_ID, verify_provider

ORDER_ID, PAYMENT_ID = 7, 31


def a_paid_order(**_: Any) -> None:
    """Customer CUSTOMER_ID's order 7, paid with the approved payment 31."""
    Order.objects.update_or_create(
        id=ORDER_ID,
        defaults={
            "customer_id": CUSTOMER_ID,
            "status": "paid",
            "total": Decimal("12.00"),
            "currency": "EUR",
            "shipping_name": "Ada Lovelace",
            "shipping_line1": "1 Analytical Way",
            "shipping_city": "London",
            "shipping_postal_code": "N1 7AA",
            "shipping_country": "GB",
            "payment_id": PAYMENT_ID,
        },
    )
    Payment.objects.update_or_create(
        id=PAYMENT_ID,
        defaults={
            "order_id": ORDER_ID,
            "customer_id": CUSTOMER_ID,
            "amount": Decimal("12.00"),
            "currency": "EUR",
            "status": Payment.Status.APPROVED,
        },
    )


def no_order_999(**_: Any) -> None:
    Order.objects.filter(id=999).delete()


def _book_order(order_id: int, status: str) -> None:
    """Customer CUSTOMER_ID (their row too: a paid order's event carries their contact) and
    their order ``order_id`` of one 25.00 EUR line, in ``status``, a pending one holding its
    unit of stock for a while yet. Written again whole for each interaction: a confirmation
    leaves the order paid and its reservation committed."""
    Customer.objects.update_or_create(
        id=CUSTOMER_ID,
        defaults={"email": "ada@example.com", "full_name": "Ada Lovelace", "password": "!"},
    )
    now = timezone.now()
    order, _ = Order.objects.update_or_create(
        id=order_id,
        defaults={
            "customer_id": CUSTOMER_ID,
            "status": status,
            "total": Decimal("25.00"),
            "currency": "EUR",
            "shipping_name": "Ada Lovelace",
            "shipping_line1": "1 Analytical Way",
            "shipping_city": "London",
            "shipping_postal_code": "N1 7AA",
            "shipping_country": "GB",
            "payment_id": None,
            "paid_at": None,
            "cancelled_at": now if status == "cancelled" else None,
            "reservation_expires_at": now + timedelta(minutes=15),
        },
    )
    order.lines.all().delete()
    OrderLine.objects.create(
        order=order,
        sku="PACT-1",
        name="Pact mug",
        unit_price=Decimal("25.00"),
        quantity=1,
        line_total=Decimal("25.00"),
    )
    Reservation.objects.filter(order_id=order_id).delete()
    StockItem.objects.filter(sku="PACT-1").delete()
    inventory.set_stock(sku="PACT-1", on_hand=5)
    if status == "pending":
        inventory.reserve_stock(
            order_id=order_id,
            lines=[inventory.ReservationLine(sku="PACT-1", quantity=1)],
            hold_until=order.reservation_expires_at,
        )


def a_pending_order_41(**_: Any) -> None:
    _book_order(41, "pending")


def a_cancelled_order_43(**_: Any) -> None:
    _book_order(43, "cancelled")


def no_order_404(**_: Any) -> None:
    Order.objects.filter(id=404).delete()


STATES = {
    f"customer {CUSTOMER_ID} has order {ORDER_ID}, paid with payment {PAYMENT_ID}": a_paid_order,
    f"customer {CUSTOMER_ID} has no order 999": no_order_999,
    # the payments service's order book (stage 4)
    f"customer {CUSTOMER_ID} has pending order 41 of 25.00 EUR": a_pending_order_41,
    f"customer {CUSTOMER_ID} has cancelled order 43": a_cancelled_order_43,
    "no order 404 exists": no_order_404,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the states write
def test_the_monolith_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "monolith", live_server.url, STATES, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.django_db(transaction=True)
def test_the_monolith_honours_the_gateway_s_pact_with_payments_while_it_serves_payments(
    live_server: LiveServer,
) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "payments",
        live_server.url,
        STATES,
        headers={"Authorization": f"Bearer {token}"},
        consumers=("gateway-order-summary",),
    )

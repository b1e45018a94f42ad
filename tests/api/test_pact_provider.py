"""The monolith keeps its consumers' pacts: every interaction of the committed pact files that
name it as provider (strangler/contracts/pacts/), replayed against a running monolith.

The monolith is Django's live server (a real HTTP server on a free port) over the test
database. Pact calls the provider-state functions below before each interaction; they write
the exact rows the consumer's examples name (order 7, payment 31), which no public API can
create with chosen ids, so this module writes them with the models.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from monolith.orders.models import Order
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


STATES = {
    f"customer {CUSTOMER_ID} has order {ORDER_ID}, paid with payment {PAYMENT_ID}": a_paid_order,
    f"customer {CUSTOMER_ID} has no order 999": no_order_999,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the states write
def test_the_monolith_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "monolith", live_server.url, STATES, headers={"Authorization": f"Bearer {token}"}
    )

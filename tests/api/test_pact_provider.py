"""While the monolith serves payments (stages 0 to 3), it keeps the gateway's pact with
payments: the order summary's payments part (``gateway-order-summary-payments.json``), replayed
against a running monolith (Django's live server over the test database). The states write the
exact rows the examples name (order 7, paid with payment 31) with the models. From stage 4 the
payments service verifies it, and stage 4 retires this module with the monolith's payments;
the pacts the monolith keeps at every stage are verified in ``tests/contracts/``.
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
from tests.contracts.states import ORDER_ID, PAYMENT_ID
from tests.contracts.states import a_paid_order as paid_order_at_the_monolith


def a_paid_order(**_: Any) -> None:
    """Customer CUSTOMER_ID's order 7, paid with the approved payment 31, here in the monolith."""
    paid_order_at_the_monolith()
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

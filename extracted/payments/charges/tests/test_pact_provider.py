"""The payments service keeps its consumers' pacts: every interaction of the committed pact
files that name it as provider (``strangler/contracts/pacts/``: the monolith's HttpPayments
writes ``monolith-orders-payments.json``, the gateway's order summary
``gateway-order-summary-payments.json``), replayed against a running instance (Django's live
server over the test database), with the provider states they name.

Fraud answers "approve" (the suite's FakeFraud behind the fraud port: the live server runs in
this process); each state starts from empty tables, so the interactions do not depend on one
another's order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from extracted.payments.charges.models import Payment, Refund
from strangler.auth.tokens import issue_pair
from strangler.contracts.pact import CUSTOMER_ID, verify_provider
from strangler.idempotency.models import IdempotencyRecord


def _empty(**_: Any) -> None:
    Refund.objects.all().delete()
    Payment.objects.all().delete()
    IdempotencyRecord.objects.all().delete()


def order_41_was_paid_with_payment_7(**_: Any) -> None:
    _empty()
    Payment.objects.create(
        id=7,
        order_id=41,
        customer_id=CUSTOMER_ID,
        amount=Decimal("25.00"),
        currency="EUR",
        status=Payment.Status.APPROVED,
        card_brand="visa",
        card_last4="4242",
        processor_reference="fake_ch_pact",
    )


def order_7_paid_with_payment_31(**_: Any) -> None:
    """The gateway's example: customer CUSTOMER_ID's order 7, paid with the approved payment 31."""
    _empty()
    Payment.objects.create(
        id=31,
        order_id=7,
        customer_id=CUSTOMER_ID,
        amount=Decimal("12.00"),
        currency="EUR",
        status=Payment.Status.APPROVED,
    )


STATES = {
    f"customer {CUSTOMER_ID} has order 7, paid with payment 31": order_7_paid_with_payment_31,
    "the card processor knows tok_visa": _empty,
    "order 41 has no payment": _empty,
    "order 41 was paid with payment 7, 25.00 EUR": order_41_was_paid_with_payment_7,
    "order 44 has no approved payment": _empty,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the state writes
def test_payments_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "payments", live_server.url, STATES, headers={"Authorization": f"Bearer {token}"}
    )

"""Payments in the service's admin: read-only history, as in the monolith's admin; so is the
outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from extracted.payments.charges import services
from extracted.payments.charges.models import Payment

pytestmark = pytest.mark.django_db


def test_payments_are_read_only_history_in_the_admin(admin_client: Client) -> None:
    result = services.payment_charge(
        order_id=1, customer_id=42, amount=Decimal("10.00"), currency="EUR", card_token="tok_visa"
    )
    services.payment_refund(order_id=1, reason="test")
    change = reverse("admin:payments_payment_change", args=[result.payment_id])

    changelist = reverse("admin:payments_payment_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "1", "status__exact": "refunded"}).status_code == 200
    assert admin_client.get(changelist, {"q": "not-a-number"}).status_code == 200
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"status": "approved"}).status_code == 403
    assert admin_client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert admin_client.get(reverse("admin:payments_refund_changelist")).status_code == 200
    assert Payment.objects.get().status == "refunded"


def test_the_outbox_is_read_only_in_the_admin(admin_client: Client) -> None:
    services.payment_charge(
        order_id=1, customer_id=42, amount=Decimal("10.00"), currency="EUR", card_token="tok_visa"
    )

    changelist = reverse("admin:payments_outbox_outboxmessage_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(reverse("admin:payments_outbox_outboxmessage_add")).status_code == 403

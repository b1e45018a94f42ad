"""The service announces its attempts and refunds as integration events, in its own outbox (the
monolith's payment.* events, same schemas), which ``manage.py outbox_relay`` publishes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from extracted.payments.charges import services
from extracted.payments.charges.errors import OrderNotPayable
from extracted.payments.charges.models import Payment
from extracted.payments.charges.outbox.adapters import OutboxEvents
from extracted.payments.charges.outbox.models import OutboxMessage
from extracted.payments.charges.results import PaymentResult
from extracted.payments.charges.services import payment_create_for_order
from extracted.payments.charges.tests.fakes import FakeFraud, FakeOrderBook
from extracted.payments.charges.wiring import EVENTS
from strangler.composition import root
from strangler.events.models import OutboxMessage as BaseOutboxMessage
from strangler.events.schemas import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_events() -> Iterator[None]:
    """The adapter the service's settings name (its only one), built afresh for the test."""
    with root.replaced(EVENTS, OutboxEvents()):
        yield


def _charge(token: str = "tok_visa", *, order_id: int = 1, amount: str = "25.00") -> PaymentResult:
    return services.payment_charge(
        order_id=order_id,
        customer_id=42,
        amount=Decimal(amount),
        currency="EUR",
        card_token=token,
    )


def _types() -> list[str]:
    return list(OutboxMessage.objects.order_by("id").values_list("event_type", flat=True))


def _data(event_type: str) -> dict[str, Any]:
    row = OutboxMessage.objects.get(event_type=event_type)
    published.validate(row.payload)
    assert row.payload["source"] == "payments"
    data: dict[str, Any] = row.payload["data"]
    return data


def test_an_approved_charge_writes_payment_approved_with_the_payment(outbox_events: None) -> None:
    result = _charge()

    assert _types() == ["payment.approved"]
    row = OutboxMessage.objects.get()
    assert (row.aggregate_type, row.aggregate_id, row.sent_at) == (
        "payment",
        str(result.payment_id),
        None,
    )
    data = _data("payment.approved")
    assert data["payment_id"] == result.payment_id
    assert (data["order_id"], data["customer_id"]) == (1, 42)
    assert (data["amount"], data["currency"]) == ("25.00", "EUR")
    assert data["approved_at"].endswith("Z")


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_a_bank_decline_writes_payment_declined_with_its_reason(
    outbox_events: None, token: str, reason: str
) -> None:
    result = _charge(token)

    assert _types() == ["payment.declined"]
    data = _data("payment.declined")
    assert data["payment_id"] == result.payment_id
    assert data["decline_reasons"] == [reason]
    assert "approved_at" not in data


def test_a_fraud_decline_writes_payment_declined_with_the_fraud_codes(
    outbox_events: None, fraud: FakeFraud
) -> None:
    fraud.reasons = ("amount_over_limit",)

    _charge(amount="9000.00")

    assert _types() == ["payment.declined"]
    assert _data("payment.declined")["decline_reasons"] == ["amount_over_limit"]


def test_the_event_rolls_back_with_the_payment(outbox_events: None) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        _charge()
        assert _types() == ["payment.approved"]
        raise Boom

    assert _types() == []
    assert Payment.objects.count() == 0


def test_a_second_approval_of_the_same_order_announces_one_approval(outbox_events: None) -> None:
    _charge()

    with pytest.raises(OrderNotPayable):
        _charge()

    assert _types() == ["payment.approved"]
    assert Payment.objects.count() == 1


def test_a_refund_writes_payment_refunded_once_on_the_payments_aggregate(
    outbox_events: None,
) -> None:
    approved = _charge()

    services.payment_refund(order_id=1, reason="customer cancelled")
    services.payment_refund(order_id=1, reason="customer cancelled again")  # no new event

    assert _types() == ["payment.approved", "payment.refunded"]
    data = _data("payment.refunded")
    assert (data["payment_id"], data["amount"], data["reason"]) == (
        approved.payment_id,
        "25.00",
        "customer cancelled",
    )
    assert set(OutboxMessage.objects.values_list("aggregate_id", flat=True)) == {
        str(approved.payment_id)
    }


class _OrderThatExpiresMidway(FakeOrderBook):
    """Payable when asked, gone when confirmed: the reservation ran out in between."""

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        raise OrderNotPayable("The stock reservation has expired.", order_id=order_id)


def test_an_approval_the_order_can_no_longer_take_is_announced_then_refunded(
    outbox_events: None,
) -> None:
    order_book = _OrderThatExpiresMidway()
    order_book.add(order_id=8, customer_id=42, total=Decimal("30.00"))

    with pytest.raises(OrderNotPayable):
        payment_create_for_order(
            customer_id=42, order_id=8, card_token="tok_visa", order_book=order_book
        )

    # the approval committed before the order refused it: both facts are announced, in order
    assert _types() == ["payment.approved", "payment.refunded"]
    assert _data("payment.refunded")["reason"] == "The order could no longer be confirmed."


def test_the_settings_name_the_outbox_adapter_and_the_relay_reads_its_table() -> None:
    assert settings.PAYMENTS_EVENTS_ADAPTER == (
        "extracted.payments.charges.outbox.adapters.OutboxEvents"
    )
    assert isinstance(root.get(EVENTS), OutboxEvents)
    assert settings.EVENTS_OUTBOX_MODELS == ["payments_outbox.OutboxMessage"]
    assert issubclass(OutboxMessage, BaseOutboxMessage)
    assert OutboxMessage._meta.db_table == "payments_outbox_outboxmessage"

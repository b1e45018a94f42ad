"""Stage 2: payments announces its attempts and refunds as integration events, in its outbox."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from monolith.payments import interface
from monolith.payments.adapters import NoEvents
from monolith.payments.errors import OrderNotPayable
from monolith.payments.models import Payment
from monolith.payments.outbox.adapters import OutboxEvents
from monolith.payments.outbox.models import OutboxMessage
from monolith.payments.services import payment_create_for_order
from monolith.payments.tests.fakes import FakeOrderBook
from monolith.payments.wiring import EVENTS
from strangler.composition import root
from strangler.events.schemas import published
from strangler.stages.manifest import STAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_events() -> Iterator[None]:
    with root.replaced(EVENTS, OutboxEvents()):
        yield


@pytest.fixture
def no_events() -> Iterator[None]:
    """Stages 0 and 1: nobody hears (the default of main is the latest stage's outbox)."""
    with root.replaced(EVENTS, NoEvents()):
        yield


def _charge(
    token: str = "tok_visa", *, order_id: int = 1, amount: str = "25.00"
) -> interface.PaymentResult:
    return interface.charge(
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
    assert row.payload["source"] == "monolith.payments"
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


def test_a_fraud_decline_writes_payment_declined_with_the_rules_codes(
    outbox_events: None, settings: pytest.FixtureRequest
) -> None:
    settings.FRAUD_MAX_AMOUNT = "100.00"  # type: ignore[attr-defined]

    _charge(amount="100.01")

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

    interface.refund(order_id=1, reason="customer cancelled")
    interface.refund(order_id=1, reason="customer cancelled again")  # idempotent: no new event

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


def test_stages_0_and_1_write_no_event_and_check_no_schema(
    no_events: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for stage in STAGES:
        if stage.number < 2:
            assert stage.settings_env["PAYMENTS_EVENTS_ADAPTER"].endswith(".NoEvents")

    def no_schema_check(event: object) -> None:
        raise AssertionError("a schema was checked at a stage that publishes nothing")

    monkeypatch.setattr(published, "validate", no_schema_check)

    _charge(order_id=1)
    _charge("tok_declined", order_id=2)
    interface.refund(order_id=1, reason="customer cancelled")

    assert Payment.objects.count() == 2
    assert OutboxMessage.objects.count() == 0

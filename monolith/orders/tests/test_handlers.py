"""stock.commit_failed, consumed by the monolith, compensates the paid order: once, whatever
the broker redelivers; payment.approved of an order cancelled meanwhile refunds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from monolith.orders import services
from monolith.orders.models import Order
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, place_checkout
from strangler.errors import ServiceUnavailable
from strangler.events import Event
from strangler.events.consumer import EventConsumer
from strangler.service.testing import app, consumer  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def commit_failed(order_id: int, **lines: tuple[int, int]) -> Event:
    data: dict[str, Any] = {
        "order_id": order_id,
        "lines": [
            {"sku": sku, "quantity": quantity, "available": available}
            for sku, (quantity, available) in lines.items()
        ],
        "reason": "hold_expired",
        "failed_at": "2026-12-02T10:00:00+00:00",
    }
    return Event(type="stock.commit_failed", data=data, source="inventory.stock")


@pytest.fixture
def deliver(consumer: EventConsumer, app: Celery) -> Callable[..., list[str]]:  # noqa: F811
    def run(*events: Event) -> list[str]:
        return [consumer.deliver(e.to_dict(), retries=0, app=app).status for e in events]

    return run


def test_a_paid_order_whose_stock_is_gone_is_compensated_once(
    deliver: Callable[..., list[str]],
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
) -> None:
    order = place_checkout(MUG=2, TEE=1).order
    event = commit_failed(order.pk, TEE=(1, 0))

    assert deliver(event, event, event) == ["applied", "duplicate", "duplicate"]

    order = Order.objects.get(pk=order.pk)
    assert order.status == "cancelled"
    assert "Organic tee (TEE)" in order.cancel_reason
    assert payments.refunds == [{"order_id": order.pk, "reason": order.cancel_reason}]
    assert order_events.kinds(order.pk).count("order_cancelled") == 1
    assert order_events.details("order_cancelled", order.pk)["cause"] == "stock_unavailable"


def test_a_second_event_for_the_same_order_changes_nothing(
    deliver: Callable[..., list[str]],
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
) -> None:
    order = place_checkout(MUG=2).order
    deliver(commit_failed(order.pk, MUG=(2, 1)))
    before = Order.objects.values().get(pk=order.pk)

    assert deliver(commit_failed(order.pk, MUG=(2, 0))) == ["applied"]

    assert Order.objects.values().get(pk=order.pk) == before
    assert order_events.kinds(order.pk).count("order_cancelled") == 1


def test_an_unknown_order_goes_to_the_dead_letters_after_its_retries(
    deliver: Callable[..., list[str]],
    consumer: EventConsumer,  # noqa: F811
    app: Celery,  # noqa: F811
    world: FakeInventory,
) -> None:
    event = commit_failed(999_999, MUG=(1, 0))
    outcome = consumer.deliver(event.to_dict(), retries=consumer.retry.max_retries, app=app)
    assert outcome.status == "dead-lettered"
    assert not Order.objects.exists()


def approved(order_id: int, payment_id: int = 9001) -> Event:
    data = {
        "payment_id": payment_id,
        "order_id": order_id,
        "customer_id": CUSTOMER,
        "amount": "24.00",
        "currency": "EUR",
        "approved_at": "2026-12-02T10:00:00+00:00",
    }
    return Event(type="payment.approved", data=data, source="payments.charges")


def test_a_payment_approved_after_its_order_was_cancelled_is_refunded_once(
    deliver: Callable[..., list[str]],
    world: FakeInventory,
    payments: FakePayments,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stage 4: the charge reached payments after the checkout had given up on it (its answer
    lost, the order cancelled, the compensation's refund finding nothing yet)."""
    monkeypatch.setattr(payments, "fail_with", ServiceUnavailable("no answer", service="payments"))
    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)
    order = Order.objects.get()
    assert order.status == "cancelled" and payments.refunds == []
    monkeypatch.setattr(payments, "fail_with", None)
    late = payments.charge(
        order_id=order.pk, customer_id=CUSTOMER, amount=order.total, currency="EUR",
        card_token="tok_visa",
    )  # fmt: skip

    event = approved(order.pk, late.payment_id)
    assert deliver(event, event) == ["applied", "duplicate"]

    assert payments.refunds == [{"order_id": order.pk, "reason": services.RECONCILED}]


def test_a_payment_approved_for_an_order_that_goes_on_is_left_alone(
    deliver: Callable[..., list[str]], world: FakeInventory, payments: FakePayments
) -> None:
    paid = place_checkout(MUG=1).order
    pending = place_checkout("tok_declined", MUG=1).order  # its payment may still come

    assert deliver(approved(paid.pk), approved(pending.pk), approved(999_999)) == ["applied"] * 3

    assert payments.refunds == []
    assert Order.objects.get(pk=paid.pk).status == "paid"

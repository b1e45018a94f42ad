"""stock.commit_failed, consumed by the monolith, compensates the paid order: once, whatever
the broker redelivers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from monolith.orders.models import Order
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents, FakePayments
from monolith.orders.tests.helpers import CommitCallbacks, place_checkout
from strangler.events import Event
from strangler.events.consumer import EventConsumer

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


def test_a_paid_order_whose_stock_is_gone_is_compensated_once(
    deliver: Callable[..., list[str]],
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
    django_capture_on_commit_callbacks: CommitCallbacks,
) -> None:
    order = place_checkout(MUG=2, TEE=1).order
    event = commit_failed(order.pk, TEE=(1, 0))

    with django_capture_on_commit_callbacks(execute=True):  # the refund is asked after commit
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
    consumer: EventConsumer,
    app: Celery,
    world: FakeInventory,
) -> None:
    event = commit_failed(999_999, MUG=(1, 0))
    outcome = consumer.deliver(event.to_dict(), retries=consumer.retry.max_retries, app=app)
    assert outcome.status == "dead-lettered"
    assert not Order.objects.exists()

"""A paid order whose stock inventory could not commit is compensated: cancelled, refunded,
the customer told why (order.cancelled with cause stock_unavailable)."""

from __future__ import annotations

import pytest

from monolith.orders import services, tasks
from monolith.orders.models import Order, OwedRefund
from monolith.orders.outbox.adapters import OutboxEvents
from monolith.orders.outbox.models import OutboxMessage
from monolith.orders.services import LostStock
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents, FakePayments
from monolith.orders.tests.helpers import CommitCallbacks, make_order, place_checkout
from monolith.orders.wiring import EVENTS
from strangler.composition import root
from strangler.errors import ServiceUnavailable
from strangler.events.schemas import published

pytestmark = pytest.mark.django_db

LOST = [LostStock(sku="MUG", quantity=2, available=0)]


def test_a_paid_order_is_cancelled_refunded_and_the_customer_told_which_products_ran_out(
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
    django_capture_on_commit_callbacks: CommitCallbacks,
) -> None:
    order = place_checkout(MUG=2, TEE=1).order

    with django_capture_on_commit_callbacks(execute=True):  # the refund is asked after commit
        services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.cancelled_at is not None
    assert order.cancel_reason == (
        "Sorry: Stoneware mug (MUG) was no longer in stock when your order was prepared, so "
        "the order was cancelled and your payment refunded."
    )
    assert payments.refunds == [{"order_id": order.pk, "reason": order.cancel_reason}]
    assert order_events.kinds(order.pk) == ["order_created", "order_paid", "order_cancelled"]
    assert order_events.details("order_cancelled", order.pk) == {
        "reason": order.cancel_reason,
        "cause": "stock_unavailable",
        "was_paid": True,
    }
    # the units were never committed: nothing is restocked in process
    assert world.reservations[order.pk].state == "committed"
    assert world.on_hand == {"MUG": 8, "TEE": 2}


def test_several_products_are_named_in_one_sentence(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    order = place_checkout(MUG=2, TEE=1).order
    lost = [LostStock("TEE", 1, 0), LostStock("MUG", 2, 1)]

    services.order_compensate_stock_lost(order_id=order.pk, lines=lost, reason="hold_expired")

    assert Order.objects.get(pk=order.pk).cancel_reason.startswith(
        "Sorry: Stoneware mug (MUG) and Organic tee (TEE) were no longer in stock"
    )


def test_a_second_delivery_changes_nothing(
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
    django_capture_on_commit_callbacks: CommitCallbacks,
) -> None:
    order = place_checkout(MUG=2).order
    with django_capture_on_commit_callbacks(execute=True):
        services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")
    first = Order.objects.values().get(pk=order.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")

    assert Order.objects.values().get(pk=order.pk) == first
    assert order_events.kinds(order.pk).count("order_cancelled") == 1
    assert len(payments.refunds) == 1


def test_payments_down_still_cancels_the_order_and_the_refund_stays_owed(
    world: FakeInventory,
    payments: FakePayments,
    order_events: FakeOrderEvents,
    django_capture_on_commit_callbacks: CommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The refund is asked after the cancellation commits: payments down neither undoes the
    cancellation nor holds the order's lock; the worker, then the sweep, ask again."""
    order = place_checkout(MUG=2).order

    def down(**kwargs: object) -> None:
        raise ServiceUnavailable("The payments service is unavailable.", service="payments")

    monkeypatch.setattr(payments, "refund", down)
    monkeypatch.setattr(tasks.refund_payment, "delay", lambda *args: None)  # queued, not run
    with django_capture_on_commit_callbacks(execute=True):
        services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")

    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert order_events.kinds(order.pk)[-1] == "order_cancelled"
    owed = OwedRefund.objects.get(order_id=order.pk)
    assert (owed.settled_at, owed.attempts) == (None, 1)
    assert owed.reason == Order.objects.get(pk=order.pk).cancel_reason


@pytest.mark.parametrize("status", ["pending", "cancelled", "fulfilled"])
def test_an_order_that_is_not_paid_is_left_alone(
    status: str, world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    order = make_order(status)
    before = Order.objects.values().get(pk=order.pk)

    services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")

    assert Order.objects.values().get(pk=order.pk) == before
    assert order_events.sent == []
    assert payments.refunds == []


def test_the_outbox_announces_the_cause_and_that_the_order_was_paid(
    world: FakeInventory, payments: FakePayments
) -> None:
    order = place_checkout(MUG=2).order
    with root.replaced(EVENTS, OutboxEvents()):
        services.order_compensate_stock_lost(order_id=order.pk, lines=LOST, reason="hold_expired")

    cancelled = OutboxMessage.objects.get(event_type="order.cancelled")
    published.validate(cancelled.payload)
    assert cancelled.payload["data"]["cause"] == "stock_unavailable"
    assert cancelled.payload["data"]["was_paid"] is True
    assert cancelled.payload["data"]["reason"] == Order.objects.get(pk=order.pk).cancel_reason

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from monolith.orders import services
from monolith.orders.errors import InvalidOrderTransition, OrderNotFound
from monolith.orders.models import Order
from monolith.orders.tasks import expire_stale_orders
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, OTHER_CUSTOMER, make_order, place_checkout

pytestmark = pytest.mark.django_db


def test_cancelling_a_pending_order_releases_its_reservation(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    order = place_checkout("tok_declined", MUG=2).order

    services.order_cancel(order_id=order.pk, customer_id=CUSTOMER, reason="Changed my mind")

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.cancel_reason == "Changed my mind"
    assert order.cancelled_at is not None
    assert world.reservations[order.pk].state == "released"
    assert world.available("MUG") == 10
    assert payments.refunds == []
    assert order_events.kinds(order.pk) == ["order_created", "order_cancelled"]
    assert order_events.details("order_cancelled", order.pk) == {
        "reason": "Changed my mind",
        "cause": "requested",
        "was_paid": False,
    }


def test_cancelling_a_paid_order_refunds_and_restocks(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    order = place_checkout(MUG=2).order
    assert world.on_hand["MUG"] == 8

    services.order_cancel(order_id=order.pk, customer_id=CUSTOMER)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.cancel_reason == "Cancelled at the customer's request."
    assert payments.refunds == [{"order_id": order.pk, "reason": order.cancel_reason}]
    assert world.reservations[order.pk].state == "restocked"
    assert world.on_hand["MUG"] == 10
    assert order_events.kinds(order.pk) == ["order_created", "order_paid", "order_cancelled"]
    assert order_events.details("order_cancelled", order.pk)["was_paid"] is True


@pytest.mark.parametrize("status", ["fulfilled", "cancelled"])
def test_a_fulfilled_or_cancelled_order_cannot_be_cancelled(
    world: FakeInventory, payments: FakePayments, status: str
) -> None:
    order = make_order(status)

    with pytest.raises(InvalidOrderTransition):
        services.order_cancel(order_id=order.pk, customer_id=CUSTOMER)

    order.refresh_from_db()
    assert order.status == status
    assert world.calls == []
    assert payments.refunds == []


def test_another_customers_order_cannot_be_cancelled(world: FakeInventory) -> None:
    order = make_order("pending", customer_id=OTHER_CUSTOMER)

    with pytest.raises(OrderNotFound):
        services.order_cancel(order_id=order.pk, customer_id=CUSTOMER)

    order.refresh_from_db()
    assert order.status == "pending"


def test_expiry_cancels_only_pending_orders_whose_reservation_expired(
    world: FakeInventory, order_events: FakeOrderEvents
) -> None:
    stale = place_checkout("tok_declined", MUG=2).order
    services.cart_clear(customer_id=CUSTOMER)  # a declined checkout keeps the cart
    fresh = place_checkout("tok_declined", customer_id=OTHER_CUSTOMER, MUG=1).order
    paid = place_checkout(TEE=1).order
    Order.objects.filter(pk__in=[stale.pk, paid.pk]).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert services.order_expire_stale() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    paid.refresh_from_db()
    assert (stale.status, fresh.status, paid.status) == ("cancelled", "pending", "paid")
    assert "reservation expired" in stale.cancel_reason
    assert world.reservations[stale.pk].state == "released"
    assert world.reservations[fresh.pk].state == "reserved"
    assert world.available("MUG") == 9
    assert order_events.kinds(stale.pk) == ["order_created", "order_cancelled"]
    assert order_events.details("order_cancelled", stale.pk)["cause"] == "expired"


def test_the_expiry_task_runs_the_service_and_a_second_run_changes_nothing(
    world: FakeInventory, order_events: FakeOrderEvents
) -> None:
    order = place_checkout("tok_declined").order
    later = timezone.now() + FakeInventory.ttl + timedelta(seconds=1)

    assert services.order_expire_stale(now=later) == 1
    assert services.order_expire_stale(now=later) == 0
    assert order_events.kinds(order.pk) == ["order_created", "order_cancelled"]


def test_the_celery_task_is_registered_under_its_public_name(world: FakeInventory) -> None:
    place_checkout("tok_declined")
    Order.objects.update(reservation_expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_stale_orders.name == "orders.expire_stale_orders"
    assert expire_stale_orders.delay().get() == 1
    assert Order.objects.get().status == "cancelled"

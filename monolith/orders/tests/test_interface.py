from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from monolith.orders import interface
from monolith.orders.models import Order
from monolith.orders.tests.fakes import FakeInventory, FakeOrderEvents
from monolith.orders.tests.helpers import CUSTOMER, OTHER_CUSTOMER, make_order, place_checkout

pytestmark = pytest.mark.django_db


def test_a_pending_order_is_payable_by_its_customer(world: FakeInventory) -> None:
    order = place_checkout("tok_declined", MUG=2).order

    payable = interface.get_payable_order(order_id=order.pk, customer_id=CUSTOMER)

    assert payable == interface.PayableOrder(
        order_id=order.pk, customer_id=CUSTOMER, status="pending", total=order.total, currency="EUR"
    )


def test_another_customers_order_is_not_found(world: FakeInventory) -> None:
    order = place_checkout("tok_declined").order

    with pytest.raises(interface.OrderNotFound) as excinfo:
        interface.get_payable_order(order_id=order.pk, customer_id=OTHER_CUSTOMER)
    assert excinfo.value.code == "order_not_found"
    with pytest.raises(interface.OrderNotFound):
        interface.get_payable_order(order_id=order.pk + 1000, customer_id=CUSTOMER)


@pytest.mark.parametrize("status", ["paid", "fulfilled", "cancelled"])
def test_only_pending_orders_are_payable(status: str) -> None:
    order = make_order(status)

    with pytest.raises(interface.OrderNotPayable) as excinfo:
        interface.get_payable_order(order_id=order.pk, customer_id=CUSTOMER)
    assert excinfo.value.code == "order_not_payable"


def test_an_order_whose_reservation_expired_is_not_payable(world: FakeInventory) -> None:
    order = place_checkout("tok_declined").order
    Order.objects.update(reservation_expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(interface.OrderNotPayable):
        interface.get_payable_order(order_id=order.pk, customer_id=CUSTOMER)


def test_confirm_payment_pays_the_order_once(
    world: FakeInventory, order_events: FakeOrderEvents
) -> None:
    order = place_checkout("tok_declined", MUG=2).order

    interface.confirm_payment(order_id=order.pk, payment_id=77)
    interface.confirm_payment(order_id=order.pk, payment_id=77)

    order.refresh_from_db()
    assert (order.status, order.payment_id) == ("paid", 77)
    assert world.on_hand["MUG"] == 8
    assert order_events.kinds(order.pk) == ["order_created", "order_paid"]


def test_confirm_payment_of_a_cancelled_order_is_refused(world: FakeInventory) -> None:
    order = make_order("cancelled")

    with pytest.raises(interface.OrderNotPayable):
        interface.confirm_payment(order_id=order.pk, payment_id=5)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.payment_id is None


def test_the_interface_returns_no_model_instances(world: FakeInventory) -> None:
    order = place_checkout("tok_declined").order

    payable = interface.get_payable_order(order_id=order.pk, customer_id=CUSTOMER)

    assert not isinstance(payable, Order)

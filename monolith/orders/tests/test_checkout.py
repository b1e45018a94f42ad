from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from monolith.customers.interface import AddressNotFound
from monolith.orders import selectors, services, tasks
from monolith.orders.errors import CartEmpty, OrderNotPayable, ProductUnavailable
from monolith.orders.models import Order, OwedRefund
from monolith.orders.ports import ChargeResult, OutOfStock
from monolith.orders.tests.fakes import (
    FakeCatalog,
    FakeCustomers,
    FakeInventory,
    FakeOrderEvents,
    FakePayments,
)
from monolith.orders.tests.helpers import (
    CUSTOMER,
    OTHER_CUSTOMER,
    counts,
    make_order,
    place_checkout,
)
from strangler.errors import Conflict, ServiceUnavailable

pytestmark = pytest.mark.django_db


def test_an_approved_checkout_pays_the_order_commits_stock_and_empties_the_cart(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    result = place_checkout(MUG=2, TEE=1)

    order = Order.objects.get()
    assert result.approved
    assert order.status == "paid"
    assert order.total == Decimal("45.00")
    assert order.payment_id == result.payment.payment_id
    assert order.paid_at is not None
    assert [
        (li.sku, li.name, li.unit_price, li.quantity, li.line_total) for li in order.lines.all()
    ] == [
        ("MUG", "Stoneware mug", Decimal("12.50"), 2, Decimal("25.00")),
        ("TEE", "Organic tee", Decimal("20.00"), 1, Decimal("20.00")),
    ]
    assert payments.charges[0]["amount"] == Decimal("45.00")
    assert world.reservations[order.pk].state == "committed"
    assert world.on_hand == {"MUG": 8, "TEE": 2}
    assert selectors.cart_get(customer_id=CUSTOMER).lines == ()
    assert order_events.kinds(order.pk) == ["order_created", "order_paid"]
    assert order_events.details("order_paid", order.pk)["lines"] == [
        ("MUG", "Stoneware mug", 2),
        ("TEE", "Organic tee", 1),
    ]


def test_the_shipping_address_is_a_snapshot_of_the_default_address(world: FakeInventory) -> None:
    place_checkout()

    order = Order.objects.get()
    assert (order.shipping_name, order.shipping_city, order.shipping_country) == (
        f"Customer {CUSTOMER}",
        "Amsterdam",
        "NL",
    )


def test_a_chosen_shipping_address_is_used(world: FakeInventory, customers: FakeCustomers) -> None:
    rotterdam = customers.add_address(CUSTOMER, city="Rotterdam")
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)

    services.order_checkout(
        customer_id=CUSTOMER, card_token="tok_visa", shipping_address_id=rotterdam.id
    )

    assert Order.objects.get().shipping_city == "Rotterdam"


def test_another_customers_address_is_not_found_and_nothing_is_written(
    world: FakeInventory, customers: FakeCustomers, payments: FakePayments
) -> None:
    theirs = customers.add_address(OTHER_CUSTOMER, city="Delft")
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)
    before = counts()

    with pytest.raises(AddressNotFound):
        services.order_checkout(
            customer_id=CUSTOMER, card_token="tok_visa", shipping_address_id=theirs.id
        )

    assert counts() == before
    assert world.reservations == {}
    assert payments.charges == []


def test_no_default_address_is_address_not_found(
    world: FakeInventory, customers: FakeCustomers
) -> None:
    customers.add_address(99, city="Leiden")  # not the default
    services.cart_item_add(customer_id=99, sku="MUG", quantity=1)

    with pytest.raises(AddressNotFound):
        services.order_checkout(customer_id=99, card_token="tok_visa")
    assert Order.objects.count() == 0


def test_an_empty_cart_cannot_be_checked_out(world: FakeInventory, payments: FakePayments) -> None:
    before = counts()

    with pytest.raises(CartEmpty) as excinfo:
        services.order_checkout(customer_id=CUSTOMER, card_token="tok_visa")

    assert excinfo.value.code == "cart_empty"
    assert counts() == before
    assert payments.charges == []


def test_a_product_withdrawn_since_it_was_added_stops_the_checkout(
    world: FakeInventory, catalog: FakeCatalog
) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)
    catalog.add("MUG", "12.50", is_active=False)
    before = counts()

    with pytest.raises(ProductUnavailable) as excinfo:
        services.order_checkout(customer_id=CUSTOMER, card_token="tok_visa")

    assert excinfo.value.details == {"skus": ["MUG"]}
    assert counts() == before


def test_out_of_stock_at_checkout_writes_no_order_and_charges_nothing(
    world: FakeInventory, payments: FakePayments
) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="TEE", quantity=3)
    world.on_hand["TEE"] = 1  # sold elsewhere since it went into the cart
    before = counts()

    with pytest.raises(OutOfStock) as excinfo:
        services.order_checkout(customer_id=CUSTOMER, card_token="tok_visa")

    assert excinfo.value.details == {"sku": "TEE", "requested": 3, "available": 1}
    assert counts() == before
    assert payments.charges == []


def test_a_declined_payment_keeps_the_order_pending_with_stock_reserved_and_the_cart(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    result = place_checkout("tok_insufficient_funds", MUG=2)

    order = Order.objects.get()
    assert not result.approved
    assert result.payment.decline_reasons == ("insufficient_funds",)
    assert order.status == "pending"
    assert order.payment_id is None
    assert order.reservation_expires_at == world.reservations[order.pk].expires_at
    assert world.reservations[order.pk].state == "reserved"
    assert world.available("MUG") == 8
    assert [line.sku for line in selectors.cart_get(customer_id=CUSTOMER).lines] == ["MUG"]
    assert order_events.kinds(order.pk) == ["order_created"]  # neither paid nor cancelled


def test_the_order_is_paid_by_the_end_of_its_payment_window_and_the_stock_held_as_long(
    world: FakeInventory, payments: FakePayments, settings: Any
) -> None:
    settings.ORDERS_PAYMENT_WINDOW = timedelta(minutes=5)  # inventory would hold for 15
    before = timezone.now()

    place_checkout("tok_insufficient_funds", MUG=1)

    order = Order.objects.get()
    assert order.reservation_expires_at == world.reservations[order.pk].expires_at
    assert before + timedelta(minutes=5) <= order.reservation_expires_at
    assert order.reservation_expires_at <= timezone.now() + timedelta(minutes=5)


def test_an_order_keeps_inventorys_expiry_when_inventory_holds_for_less(
    world: FakeInventory, payments: FakePayments, settings: Any
) -> None:
    settings.ORDERS_PAYMENT_WINDOW = timedelta(hours=2)  # inventory holds for 15 minutes

    place_checkout("tok_insufficient_funds", MUG=1)

    order = Order.objects.get()
    assert order.reservation_expires_at == world.reservations[order.pk].expires_at
    assert order.reservation_expires_at <= timezone.now() + world.ttl


def test_a_payment_error_releases_the_stock_and_cancels_the_order(
    world: FakeInventory, payments: FakePayments, order_events: FakeOrderEvents
) -> None:
    payments.fail_with = ConnectionError("payments is down")

    with pytest.raises(ConnectionError):
        place_checkout(MUG=2)

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert order.cancel_reason == "The payment could not be processed."
    assert world.reservations[order.pk].state == "released"
    assert world.available("MUG") == 10
    assert [line.sku for line in selectors.cart_get(customer_id=CUSTOMER).lines] == ["MUG"]
    assert order_events.kinds(order.pk) == ["order_created", "order_cancelled"]
    assert order_events.details("order_cancelled", order.pk)["cause"] == "checkout_failed"


def test_a_charge_whose_answer_was_lost_is_refunded_and_the_order_cancelled(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP the charge can go through and its answer be lost (a timeout): the outcome is
    unknown, so the compensation asks for the refund, which refunds what was charged."""
    real_charge = payments.charge

    def charged_then_lost(**kwargs: Any) -> ChargeResult:
        real_charge(**kwargs)
        raise ServiceUnavailable("The payments service did not answer in time.", service="x")

    monkeypatch.setattr(payments, "charge", charged_then_lost)

    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert payments.refunds == [
        {"order_id": order.pk, "reason": "The payment could not be processed."}
    ]
    assert world.available("MUG") == 10


def test_the_order_is_cancelled_even_when_the_refund_cannot_be_asked_for(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    payments.fail_with = ConnectionError("payments is down")

    def refund_fails(**kwargs: Any) -> None:
        raise ConnectionError("payments is down")

    monkeypatch.setattr(payments, "refund", refund_fails)

    with pytest.raises(ConnectionError):
        place_checkout(MUG=1)

    assert Order.objects.get().status == "cancelled"
    assert world.available("MUG") == 10


def test_a_refund_payments_did_not_answer_is_asked_again_by_the_worker_until_it_answers(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payments down while the checkout compensates (stage 4, over HTTP): the order is cancelled
    at once and ``orders.refund_payment`` asks again (here eagerly: its retries run in a row)."""
    real_charge, real_refund = payments.charge, payments.refund
    asked: list[dict[str, Any]] = []

    def charged_then_lost(**kwargs: Any) -> ChargeResult:
        real_charge(**kwargs)
        raise ServiceUnavailable("The payments service did not answer in time.", service="x")

    def down_twice(**kwargs: Any) -> Any:
        asked.append(kwargs)
        if len(asked) <= 2:
            raise ServiceUnavailable("The payments service is unavailable.", service="payments")
        return real_refund(**kwargs)

    monkeypatch.setattr(payments, "charge", charged_then_lost)
    monkeypatch.setattr(payments, "refund", down_twice)

    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert len(asked) == 3, asked  # the compensation, then the worker until payments answered
    assert payments.refunds == [
        {"order_id": order.pk, "reason": "The payment could not be processed."}
    ]


def test_the_worker_does_not_repeat_a_refund_payments_refused(
    payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[dict[str, Any]] = []

    def refused(**kwargs: Any) -> None:
        asked.append(kwargs)
        raise Conflict("The payments service refused the request (400 validation_error).")

    monkeypatch.setattr(payments, "refund", refused)
    order = make_order("cancelled")

    result = tasks.refund_payment.apply(args=(order.pk, "The payment could not be processed."))

    assert result.state == "FAILURE"
    assert len(asked) == 1
    assert OwedRefund.objects.get(order=order).refused_at is not None  # for a person to decide


def test_a_charged_order_that_cannot_be_marked_paid_is_refunded_and_cancelled(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_charge = payments.charge

    def slow_charge(**kwargs: Any) -> ChargeResult:
        world.release(order_id=kwargs["order_id"])  # the reservation expired meanwhile
        return real_charge(**kwargs)

    monkeypatch.setattr(payments, "charge", slow_charge)

    with pytest.raises(OrderNotPayable):
        place_checkout(MUG=1)

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert payments.refunds == [
        {"order_id": order.pk, "reason": "The payment could not be processed."}
    ]

from __future__ import annotations

from decimal import Decimal

import pytest

from monolith.catalog.interface import ProductNotFound
from monolith.orders import selectors, services
from monolith.orders.errors import CartItemNotFound, CartQuantityInvalid
from monolith.orders.ports import OutOfStock
from monolith.orders.tests.fakes import FakeCatalog, FakeInventory
from monolith.orders.tests.helpers import CUSTOMER, OTHER_CUSTOMER, counts

pytestmark = pytest.mark.django_db


def test_adding_an_sku_twice_raises_its_quantity(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=2)
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=3)

    cart = selectors.cart_get(customer_id=CUSTOMER)
    assert [(line.sku, line.quantity) for line in cart.lines] == [("MUG", 5)]


def test_the_cart_is_priced_from_the_catalog(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=2)
    services.cart_item_add(customer_id=CUSTOMER, sku="TEE", quantity=1)

    cart = selectors.cart_get(customer_id=CUSTOMER)

    assert [(li.sku, li.name, li.unit_price, li.line_total) for li in cart.lines] == [
        ("MUG", "Stoneware mug", Decimal("12.50"), Decimal("25.00")),
        ("TEE", "Organic tee", Decimal("20.00"), Decimal("20.00")),
    ]
    assert cart.total == Decimal("45.00")
    assert cart.item_count == 3


def test_a_withdrawn_product_stays_in_the_cart_but_is_not_priced(
    world: FakeInventory, catalog: FakeCatalog
) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)
    catalog.add("MUG", "12.50", is_active=False)

    cart = selectors.cart_get(customer_id=CUSTOMER)

    assert cart.lines[0].is_available is False
    assert cart.total == Decimal("0.00")


def test_customers_never_share_a_cart(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)

    assert selectors.cart_get(customer_id=OTHER_CUSTOMER).lines == ()


def test_an_unknown_product_is_rejected_and_changes_nothing(world: FakeInventory) -> None:
    before = counts()

    with pytest.raises(ProductNotFound):
        services.cart_item_add(customer_id=CUSTOMER, sku="NOPE", quantity=1)

    assert counts() == before


def test_an_inactive_product_cannot_be_added(world: FakeInventory, catalog: FakeCatalog) -> None:
    catalog.add("OLD", "1.00", is_active=False)
    world.on_hand["OLD"] = 5

    with pytest.raises(ProductNotFound):
        services.cart_item_add(customer_id=CUSTOMER, sku="OLD", quantity=1)


def test_quantity_above_stock_is_rejected_and_changes_nothing(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="TEE", quantity=2)
    before = counts()

    with pytest.raises(OutOfStock) as excinfo:
        services.cart_item_add(customer_id=CUSTOMER, sku="TEE", quantity=2)

    assert excinfo.value.details == {"sku": "TEE", "requested": 4, "available": 3}
    assert counts() == before
    assert selectors.cart_get(customer_id=CUSTOMER).lines[0].quantity == 2


def test_an_sku_inventory_does_not_stock_is_out_of_stock(
    world: FakeInventory, catalog: FakeCatalog
) -> None:
    catalog.add("NEW", "3.00")

    with pytest.raises(OutOfStock):
        services.cart_item_add(customer_id=CUSTOMER, sku="NEW", quantity=1)


def test_the_sum_in_the_cart_may_not_pass_the_limit(world: FakeInventory) -> None:
    world.on_hand["MUG"] = 500
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=60)

    with pytest.raises(CartQuantityInvalid) as excinfo:
        services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=60)

    assert excinfo.value.http_status == 409
    assert excinfo.value.code == "cart_quantity_exceeded"


def test_setting_a_quantity_replaces_it_within_stock(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=5)

    services.cart_item_set_quantity(customer_id=CUSTOMER, sku="MUG", quantity=1)
    assert selectors.cart_get(customer_id=CUSTOMER).lines[0].quantity == 1

    with pytest.raises(OutOfStock):
        services.cart_item_set_quantity(customer_id=CUSTOMER, sku="MUG", quantity=11)
    assert selectors.cart_get(customer_id=CUSTOMER).lines[0].quantity == 1


def test_setting_or_removing_an_sku_not_in_the_cart_is_not_found(world: FakeInventory) -> None:
    before = counts()

    with pytest.raises(CartItemNotFound):
        services.cart_item_set_quantity(customer_id=CUSTOMER, sku="MUG", quantity=1)
    with pytest.raises(CartItemNotFound):
        services.cart_item_remove(customer_id=CUSTOMER, sku="MUG")

    assert counts() == before


def test_removing_and_clearing(world: FakeInventory) -> None:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)
    services.cart_item_add(customer_id=CUSTOMER, sku="TEE", quantity=1)

    services.cart_item_remove(customer_id=CUSTOMER, sku="MUG")
    assert [line.sku for line in selectors.cart_get(customer_id=CUSTOMER).lines] == ["TEE"]

    services.cart_clear(customer_id=CUSTOMER)
    assert selectors.cart_get(customer_id=CUSTOMER).lines == ()

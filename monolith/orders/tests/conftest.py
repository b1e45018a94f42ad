"""Fixtures of the orders tests: fakes behind the ports and in place of the other contexts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from monolith.catalog import interface as catalog_interface
from monolith.customers import interface as customers_interface
from monolith.orders.tests.fakes import (
    FakeCatalog,
    FakeCustomers,
    FakeInventory,
    FakeOrderEvents,
    FakePayments,
)
from monolith.orders.tests.helpers import CUSTOMER, OTHER_CUSTOMER, client_for
from monolith.orders.wiring import EVENTS, INVENTORY, PAYMENTS
from strangler.composition import root


@pytest.fixture
def inventory() -> Iterator[FakeInventory]:
    """A FakeInventory behind the inventory port for the test; the real adapter after."""
    fake = FakeInventory()
    with root.replaced(INVENTORY, fake):
        yield fake


@pytest.fixture
def payments() -> Iterator[FakePayments]:
    fake = FakePayments()
    with root.replaced(PAYMENTS, fake):
        yield fake


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch) -> FakeCatalog:
    fake = FakeCatalog()
    monkeypatch.setattr(catalog_interface, "get_product", fake.get_product)
    monkeypatch.setattr(catalog_interface, "get_products", fake.get_products)
    fake.add("MUG", "12.50", name="Stoneware mug")
    fake.add("TEE", "20.00", name="Organic tee")
    return fake


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> FakeCustomers:
    fake = FakeCustomers()
    monkeypatch.setattr(customers_interface, "get_address", fake.get_address)
    monkeypatch.setattr(customers_interface, "get_recipient", fake.get_recipient)
    fake.add_address(CUSTOMER, city="Amsterdam", is_default=True)
    fake.add_address(OTHER_CUSTOMER, city="Utrecht", is_default=True)
    return fake


@pytest.fixture
def order_events() -> Iterator[FakeOrderEvents]:
    """What orders announces, recorded: the same at every stage, whichever adapter the stage
    puts behind the port (the adapters have tests of their own)."""
    fake = FakeOrderEvents()
    with root.replaced(EVENTS, fake):
        yield fake


@pytest.fixture
def world(
    inventory: FakeInventory,
    payments: FakePayments,
    catalog: FakeCatalog,
    customers: FakeCustomers,
    order_events: FakeOrderEvents,
) -> FakeInventory:
    """Every collaborator faked; MUG and TEE in stock (10 and 3)."""
    inventory.on_hand.update({"MUG": 10, "TEE": 3})
    return inventory


@pytest.fixture
def api() -> APIClient:
    return client_for(CUSTOMER)


@pytest.fixture
def other_api() -> APIClient:
    return client_for(OTHER_CUSTOMER)

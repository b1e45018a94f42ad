"""The published interface other contexts code against: dataclasses and errors only."""

from __future__ import annotations

import dataclasses

import pytest

from monolith.customers import interface
from monolith.customers.models import Customer
from monolith.customers.tests.conftest import MakeAddress
from monolith.customers.tests.helpers import PASSWORD
from strangler.errors import NotFound

pytestmark = pytest.mark.django_db


def test_get_recipient_returns_a_frozen_dataclass_with_the_default_address(
    customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, line1="Other")
    default = make_address(customer, is_default=True, city="Bandung")

    recipient = interface.get_recipient(customer.id)

    assert recipient == interface.Recipient(
        customer_id=customer.id,
        email="ana@example.com",
        full_name="Ana Putri",
        default_address=interface.Address(
            id=default.id,
            full_name="Ana Putri",
            line1="Jl. Sudirman No. 5",
            line2="",
            city="Bandung",
            postal_code="10220",
            country="ID",
            is_default=True,
        ),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipient.email = "x@example.com"  # type: ignore[misc]


def test_get_recipient_without_addresses_has_no_default(customer: Customer) -> None:
    assert interface.get_recipient(customer.id).default_address is None


def test_get_recipient_still_finds_a_deactivated_customer(customer: Customer) -> None:
    Customer.objects.filter(id=customer.id).update(is_active=False)

    assert interface.get_recipient(customer.id).email == "ana@example.com"


def test_get_recipient_of_an_unknown_customer_raises_customer_not_found() -> None:
    with pytest.raises(interface.CustomerNotFound) as excinfo:
        interface.get_recipient(999_999)

    assert isinstance(excinfo.value, NotFound)
    assert excinfo.value.code == "customer_not_found"


def test_get_address_returns_own_address_only(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    mine = make_address(customer, is_default=True)

    address = interface.get_address(customer_id=customer.id, address_id=mine.id)

    assert isinstance(address, interface.Address)
    assert (address.id, address.is_default) == (mine.id, True)
    with pytest.raises(interface.AddressNotFound) as excinfo:
        interface.get_address(customer_id=other_customer.id, address_id=mine.id)
    assert excinfo.value.code == "address_not_found"


def test_seed_demo_customer_is_idempotent_and_signs_in() -> None:
    first = interface.seed_demo_customer()
    second = interface.seed_demo_customer()

    assert first == second
    assert (first.email, first.full_name) == ("demo@example.com", "Dewi Lestari")
    assert first.default_address is not None
    assert (first.default_address.city, first.default_address.country) == ("Jakarta", "ID")
    assert interface.authenticate("demo@example.com", "demo-password-1") == first.customer_id


def test_authenticate_returns_the_id_or_none(customer: Customer) -> None:
    assert interface.authenticate("Ana@example.com", PASSWORD) == customer.id
    assert interface.authenticate("ana@example.com", "wrong") is None
    assert interface.authenticate("nobody@example.com", PASSWORD) is None

from __future__ import annotations

import pytest

from monolith.customers import selectors
from monolith.customers.errors import AddressNotFound, CustomerNotFound
from monolith.customers.models import Customer
from monolith.customers.tests.conftest import MakeAddress, MakeCustomer

pytestmark = pytest.mark.django_db


def test_normalize_email_strips_and_lower_cases() -> None:
    assert (
        selectors.normalize_email("  Dewi.Lestari@Example.CO.ID ") == "dewi.lestari@example.co.id"
    )


def test_find_by_email_ignores_case(customer: Customer) -> None:
    assert selectors.customer_find_by_email(email="ANA@EXAMPLE.COM") == customer
    assert selectors.customer_find_by_email(email="nobody@example.com") is None


def test_email_is_taken_ignores_case(customer: Customer) -> None:
    assert selectors.email_is_taken(email="Ana@Example.com")
    assert not selectors.email_is_taken(email="anna@example.com")


def test_customer_get_finds_inactive_customers_but_get_active_does_not(
    make_customer: MakeCustomer,
) -> None:
    inactive = make_customer(is_active=False)

    assert selectors.customer_get(customer_id=inactive.id) == inactive
    with pytest.raises(CustomerNotFound):
        selectors.customer_get_active(customer_id=inactive.id)
    with pytest.raises(CustomerNotFound):
        selectors.customer_get(customer_id=inactive.id + 1000)


def test_address_list_is_own_addresses_default_first_then_newest(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    older = make_address(customer)
    default = make_address(customer, is_default=True)
    newer = make_address(customer)
    make_address(other_customer, is_default=True)

    assert list(selectors.address_list(customer_id=customer.id)) == [default, newer, older]


def test_address_get_hides_other_customers_addresses(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    mine = make_address(customer, is_default=True)
    theirs = make_address(other_customer, is_default=True)

    assert selectors.address_get(customer_id=customer.id, address_id=mine.id) == mine
    with pytest.raises(AddressNotFound) as excinfo:
        selectors.address_get(customer_id=customer.id, address_id=theirs.id)
    assert excinfo.value.code == "address_not_found"
    assert excinfo.value.http_status == 404


def test_address_get_default(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer)
    default = make_address(customer, is_default=True)

    assert selectors.address_get_default(customer_id=customer.id) == default
    assert selectors.address_get_default(customer_id=other_customer.id) is None

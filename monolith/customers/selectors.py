"""Reads of the customers context."""

from __future__ import annotations

from django.db.models import QuerySet

from monolith.customers.errors import AddressNotFound, CustomerNotFound
from monolith.customers.models import Address, Customer


def normalize_email(email: str) -> str:
    """E-mail addresses are compared and stored case-insensitively, as lower case."""
    return email.strip().lower()


def customer_get(*, customer_id: int) -> Customer:
    """Any customer, active or not. Raises :class:`CustomerNotFound`."""
    customer = Customer.objects.filter(id=customer_id).first()
    if customer is None:
        raise CustomerNotFound("Customer not found.", customer_id=customer_id)
    return customer


def customer_get_active(*, customer_id: int) -> Customer:
    """The customer behind a token: a deactivated one counts as not found."""
    customer = Customer.objects.filter(id=customer_id, is_active=True).first()
    if customer is None:
        raise CustomerNotFound("Customer not found.", customer_id=customer_id)
    return customer


def customer_find_by_email(*, email: str) -> Customer | None:
    return Customer.objects.filter(email=normalize_email(email)).first()


def email_is_taken(*, email: str) -> bool:
    return Customer.objects.filter(email=normalize_email(email)).exists()


def address_list(*, customer_id: int) -> QuerySet[Address]:
    """The customer's addresses, the default first, then the newest."""
    return Address.objects.filter(customer_id=customer_id).order_by(
        "-is_default", "-created_at", "-id"
    )


def address_get(*, customer_id: int, address_id: int) -> Address:
    """Raises :class:`AddressNotFound`, also when the address belongs to another customer."""
    address = Address.objects.filter(id=address_id, customer_id=customer_id).first()
    if address is None:
        raise AddressNotFound("Address not found.", address_id=address_id)
    return address


def address_get_default(*, customer_id: int, with_customer: bool = False) -> Address | None:
    """The default address; ``with_customer`` joins its customer in (one query for both)."""
    addresses = Address.objects.filter(customer_id=customer_id, is_default=True)
    if with_customer:
        addresses = addresses.select_related("customer")
    return addresses.first()


def customer_get_for_update(*, customer_id: int) -> Customer:
    """The customer row, locked until the end of the transaction (serialises its writes)."""
    customer = Customer.objects.select_for_update().filter(id=customer_id).first()
    if customer is None:
        raise CustomerNotFound("Customer not found.", customer_id=customer_id)
    return customer

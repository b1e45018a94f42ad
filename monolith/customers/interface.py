"""The customers context's published interface: the only module other contexts may import.

It returns frozen dataclasses, never model instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from monolith.customers import models, selectors, services
from monolith.customers.errors import AddressNotFound, CustomerNotFound

__all__ = [
    "Address",
    "AddressNotFound",
    "CustomerNotFound",
    "Recipient",
    "authenticate",
    "get_address",
    "get_recipient",
    "seed_demo_customer",
]


@dataclass(frozen=True)
class Address:
    id: int
    full_name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str
    is_default: bool


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    email: str
    full_name: str
    default_address: Address | None


def _address(address: models.Address) -> Address:
    return Address(
        id=address.id,
        full_name=address.full_name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
        is_default=address.is_default,
    )


def _recipient(customer: models.Customer, default: models.Address | None) -> Recipient:
    return Recipient(
        customer_id=customer.id,
        email=customer.email,
        full_name=customer.full_name,
        default_address=_address(default) if default is not None else None,
    )


def get_recipient(customer_id: int) -> Recipient:
    """Who to write to and ship to. Deactivated customers are still found (they may still
    get mail about their orders). Raises :class:`CustomerNotFound`."""
    default = selectors.address_get_default(customer_id=customer_id, with_customer=True)
    if default is not None:  # one query: the customer comes with the address
        return _recipient(default.customer, default)
    return _recipient(selectors.customer_get(customer_id=customer_id), None)


def get_address(*, customer_id: int, address_id: int) -> Address:
    """Raises :class:`AddressNotFound`, also when the address belongs to another customer."""
    return _address(selectors.address_get(customer_id=customer_id, address_id=address_id))


def seed_demo_customer() -> Recipient:
    """Idempotent: demo@example.com / "demo-password-1", with a default address in Jakarta."""
    customer = services.demo_customer_seed()
    return _recipient(customer, selectors.address_get_default(customer_id=customer.id))


def authenticate(email: str, password: str) -> int | None:
    """The id of the active customer with these credentials, or None (no login is recorded)."""
    customer = services.customer_authenticate(email=email, password=password)
    return customer.id if customer is not None else None

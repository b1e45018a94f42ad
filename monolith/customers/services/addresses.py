"""The address book.

Invariant kept here (and backed by a partial unique constraint): a customer with addresses has
exactly one default address. Every address write locks the customer row first, so concurrent
writes for one customer are serialised and never trip the constraint.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from monolith.customers import selectors
from monolith.customers.countries import COUNTRIES
from monolith.customers.errors import DefaultAddressRequired, InvalidInput
from monolith.customers.models import Address


@transaction.atomic
def address_create(
    *,
    customer_id: int,
    full_name: str,
    line1: str,
    city: str,
    postal_code: str,
    country: str,
    line2: str = "",
    is_default: bool = False,
) -> Address:
    """Add an address. The first one becomes the default; ``is_default`` moves the default."""
    selectors.customer_get_for_update(customer_id=customer_id)
    has_default = selectors.address_get_default(customer_id=customer_id) is not None
    make_default = is_default or not has_default
    if make_default and has_default:
        _clear_default(customer_id)
    return Address.objects.create(
        customer_id=customer_id,
        full_name=full_name.strip(),
        line1=line1.strip(),
        line2=line2.strip(),
        city=city.strip(),
        postal_code=postal_code.strip(),
        country=_country(country),
        is_default=make_default,
    )


@transaction.atomic
def address_update(
    *,
    customer_id: int,
    address_id: int,
    full_name: str | None = None,
    line1: str | None = None,
    line2: str | None = None,
    city: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
    is_default: bool | None = None,
) -> Address:
    """Change an address; ``None`` leaves a field as it is.

    ``is_default=True`` makes it the default (the old default is cleared); ``is_default=False``
    on the default address is refused: choose another default instead.
    """
    selectors.customer_get_for_update(customer_id=customer_id)
    address = selectors.address_get(customer_id=customer_id, address_id=address_id)
    changes = {
        "full_name": full_name,
        "line1": line1,
        "line2": line2,
        "city": city,
        "postal_code": postal_code,
    }
    changed = [name for name, value in changes.items() if value is not None]
    for name in changed:
        setattr(address, name, str(changes[name]).strip())
    if country is not None:
        address.country = _country(country)
        changed.append("country")
    if is_default is False and address.is_default:
        raise DefaultAddressRequired(
            "A customer with addresses always has a default one: make another address the "
            "default instead.",
            address_id=address.id,
        )
    if is_default and not address.is_default:
        _clear_default(customer_id)
        address.is_default = True
        changed.append("is_default")
    if changed:
        address.save(update_fields=[*changed, "updated_at"])
    return address


@transaction.atomic
def address_delete(*, customer_id: int, address_id: int) -> None:
    """Delete an address; if it was the default, the newest remaining one becomes the default."""
    selectors.customer_get_for_update(customer_id=customer_id)
    address = selectors.address_get(customer_id=customer_id, address_id=address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = selectors.address_list(customer_id=customer_id).first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])


def _clear_default(customer_id: int) -> None:
    Address.objects.filter(customer_id=customer_id, is_default=True).update(
        is_default=False, updated_at=timezone.now()
    )


def _country(code: str) -> str:
    normalized = code.strip().upper()
    if normalized not in COUNTRIES:
        raise InvalidInput(
            "Unknown country.", country=[f"{code!r} is not an ISO 3166-1 alpha-2 country code."]
        )
    return normalized

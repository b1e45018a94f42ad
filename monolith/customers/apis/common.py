"""What only the customers API modules share: the country field and the active caller.

The generic pieces (strict JSON fields, the error shape) are in :mod:`strangler.api`.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.request import Request

from monolith.customers import selectors
from monolith.customers.countries import COUNTRIES
from monolith.customers.errors import CustomerNotFound
from monolith.customers.models import Customer
from strangler.api import StrictCharField, customer_id_of


def _either_case(letters: str) -> str:
    return "".join(f"{letter}{letter.lower()}" for letter in letters)


def countries_pattern() -> str:
    """A pattern of exactly the codes of COUNTRIES, in either case: ``^(?:[Aa][DdEe...]|...)$``."""
    by_first = groupby(sorted(COUNTRIES), key=lambda code: code[0])
    groups = (
        f"[{_either_case(first)}][{_either_case(''.join(c[1] for c in codes))}]"
        for first, codes in by_first
    )
    return f"^(?:{'|'.join(groups)})$"


@extend_schema_field(
    {"type": "string", "minLength": 2, "maxLength": 2, "pattern": countries_pattern()}
)
class CountryField(StrictCharField):
    """An ISO 3166-1 alpha-2 code in either case, stored upper-case; no surrounding spaces."""

    default_error_messages = {"country": "Not an ISO 3166-1 alpha-2 country code."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 code, e.g. ID, NL, US.")
        super().__init__(min_length=2, max_length=2, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if value not in COUNTRIES:
            self.fail("country")
        return value


def active_customer(request: Request) -> Customer:
    """The customer behind the access token; a deleted or deactivated one is a 401."""
    customer_id = customer_id_of(request)  # IsAuthenticated has run: never None here
    try:
        return selectors.customer_get_active(customer_id=customer_id)
    except CustomerNotFound as exc:
        raise exceptions.AuthenticationFailed(
            "The customer of this token no longer exists or is inactive."
        ) from exc

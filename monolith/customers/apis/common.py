"""Pieces every customers API module shares: strict JSON fields, the error shape, the caller."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from monolith.customers import selectors
from monolith.customers.countries import COUNTRIES
from monolith.customers.errors import CustomerNotFound
from monolith.customers.models import Customer
from strangler.auth.drf import Principal

# --- strict fields: JSON of the wrong type is a 400, never silently coerced --------------------


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true``/``false``; not ``"yes"``, ``1`` or ``"true"``."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class CountryField(StrictCharField):
    default_error_messages = {"country": "Not an ISO 3166-1 alpha-2 country code."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 code, e.g. ID, NL, US.")
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if value not in COUNTRIES:
            self.fail("country")
        return value


# --- shared output shapes ----------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    class Body(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()
        details = serializers.DictField()

        class Meta:
            ref_name = "CustomersErrorBody"

    error = Body()

    class Meta:
        ref_name = "CustomersError"


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def active_customer(request: Request) -> Customer:
    """The customer behind the access token; a deleted or deactivated one is a 401."""
    principal = cast(Principal, request.user)  # IsAuthenticated has run: never None here
    try:
        return selectors.customer_get_active(customer_id=principal.customer_id)
    except CustomerNotFound as exc:
        raise exceptions.AuthenticationFailed(
            "The customer of this token no longer exists or is inactive."
        ) from exc

"""Small DRF building blocks shared by every service's API.

Pagination, the schema of the one error body (rendered by :mod:`strangler.errors`), strict JSON
fields that refuse a value of the wrong JSON type instead of coercing it, and the caller.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from strangler import api_schema as api_schema  # registers the schema's field extension
from strangler.auth.drf import Principal

if TYPE_CHECKING:  # rest_framework.views reads the settings, which name this module
    from collections.abc import Sequence

    from django.db.models import QuerySet
    from rest_framework.views import APIView


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with hostile nesting (``[[[[...]]]]``) a 400 instead of a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``; the body is ``{count, next, previous, results}``.

    Both are integers the document states (``page`` from 1, ``page_size`` from 1 to
    ``max_page_size``), or empty (left out); anything else is a 400, where DRF would fall back
    to a default or answer 404. A page past the last one is a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        errors = {
            name: [message]
            for name, maximum in (("page", None), ("page_size", self.max_page_size))
            if (message := _query_integer_error(request, name, maximum))
        }
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


_DIGITS = re.compile(r"[0-9]+")


def _query_integer_error(request: Request, name: str, maximum: int | None) -> str | None:
    """Why ``?name=`` is not an integer from 1 to ``maximum``, or None (also when absent or
    empty: DRF reads an empty optional query parameter as left out)."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not _DIGITS.fullmatch(value) or not value.strip("0"):
        return "A positive integer is required."
    # compared as text first: int() refuses more than 4300 digits
    if maximum is not None and (len(value.lstrip("0")) > len(str(maximum)) or int(value) > maximum):
        return f"Ensure this value is less than or equal to {maximum}."
    return None


# --- the error body --------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[dict[str, object]]):
    """Schema only: the body every error has (rendered by strangler.errors)."""

    class Body(serializers.Serializer[dict[str, object]]):
        code = serializers.CharField()
        message = serializers.CharField()
        details = serializers.DictField()

        class Meta:
            ref_name = "ErrorBody"

    error = Body()

    class Meta:
        ref_name = "Error"


def error_response(description: str) -> OpenApiResponse:
    """An error response for the schema; ``description`` says which codes it stands for."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


def error_responses(described: dict[int, str]) -> dict[int, OpenApiResponse]:
    """Error responses for the schema: the codes each status stands for."""
    return {status: error_response(text) for status, text in described.items()}


# --- request bodies: closed objects ---------------------------------------------------------


# No docstring on purpose: drf-spectacular would print it as every request body's description.
class ClosedInputSerializer(serializers.Serializer[dict[str, Any]]):
    # A request body's serializer that refuses fields it does not declare (a 400 naming each),
    # where DRF would drop them silently: a misspelt optional field is an error the client
    # sees. Its schema says ``additionalProperties: false`` (strangler.api_schema).
    # drf-spectacular documents a PATCH body as partial (no field required); a view that
    # validates its PATCH body whole sets ``patch_is_partial = False`` so the schema says so.

    patch_is_partial: ClassVar[bool] = True

    def run_validation(self, data: Any = serializers.empty) -> Any:
        validated = super().run_validation(data)
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return validated


# --- strict fields: JSON of the wrong type is a 400, never silently coerced ------------------


def _strict_text(field: serializers.CharField, data: Any) -> None:
    """Refuse what is not a JSON string, or longer than ``max_length`` before trimming (as the
    schema's ``maxLength`` counts; DRF counts after)."""
    if not isinstance(data, str):
        field.fail("invalid")
    if field.max_length is not None and len(data) > field.max_length:
        field.fail("max_length", max_length=field.max_length)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        _strict_text(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An EmailField that refuses anything but a JSON string."""

    def to_internal_value(self, data: Any) -> str:
        _strict_text(self, data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """Only JSON integers: not ``"2"``, ``2.0`` or ``true``."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true``/``false``; not ``"yes"``, ``1`` or ``"true"``."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    """Only a JSON string among the choices; ``1`` is not ``"1"``."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


# --- ids and money ---------------------------------------------------------------------------

# The largest id a BIGINT column holds: a larger one names no row (and the database would
# refuse the query), so an API refuses it as input.
BIGINT_MAX = 2**63 - 1

# Amounts travel as JSON strings: at most 10 digits before the point and 2 after; no exponent,
# spaces, plus sign or leading zeros. [0-9], not \d: Python's \d also takes other scripts' digits.
POSITIVE_AMOUNT = r"^(?:[1-9][0-9]{0,9}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"
SIGNED_AMOUNT = r"^-?(?:0|[1-9][0-9]{0,9})(?:\.[0-9]{1,2})?$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": POSITIVE_AMOUNT, "example": "25.00"}
)
class AmountField(serializers.DecimalField):
    """A positive amount as a JSON string (``"12.34"``), accepted exactly when it matches the
    documented pattern; a JSON number is refused (it would pass through a float first)."""

    pattern = POSITIVE_AMOUNT
    default_error_messages = {
        "invalid": 'An amount above 0 with at most 2 decimals, as a string ("12.34").'
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return cast(Decimal, super().to_internal_value(data))


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": SIGNED_AMOUNT, "example": "25.00"}
)
class SignedAmountField(AmountField):
    """An amount of either sign, for an API that judges the sign itself (a charge of 0 is its
    own ``invalid_amount``, as the monolith answers it, not a field's 400)."""

    pattern = SIGNED_AMOUNT
    default_error_messages = {
        "invalid": 'An amount with at most 2 decimals, as a string ("12.34").'
    }


class CurrencyField(StrictCharField):
    """An ISO 4217 code: three uppercase letters (EUR)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 4217 code (EUR).")
        super().__init__(
            min_length=3,
            max_length=3,
            validators=[RegexValidator(r"^[A-Z]{3}$", "Three uppercase letters (EUR).")],
            **kwargs,
        )


# --- the caller ------------------------------------------------------------------------------


def customer_id_of(request: Request) -> int:
    """The authenticated caller (BearerTokenAuthentication puts a Principal in request.user)."""
    return cast(Principal, request.user).customer_id


class OrderFilterSerializer(serializers.Serializer[dict[str, object]]):
    """The optional ``?order_id=`` filter of a list endpoint (a positive integer)."""

    # Query parameters are strings, so the strict JSON field does not fit; the bound keeps a
    # 30-digit id from overflowing the database's bigint.
    order_id = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)

    class Meta:
        ref_name = "OrderFilter"


def order_id_filter(request: Request) -> int | None:
    """The validated ``order_id`` query parameter, or None; a bad value is a 400."""
    serializer = OrderFilterSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return cast("int | None", serializer.validated_data.get("order_id"))

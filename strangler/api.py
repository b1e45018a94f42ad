"""Small DRF building blocks shared by every service's API.

Pagination, the schema of the one error body (rendered by :mod:`strangler.errors`), strict JSON
fields that refuse a value of the wrong JSON type instead of coercing it, and the caller.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from strangler.auth.drf import Principal


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with hostile nesting (``[[[[...]]]]``) a 400 instead of a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``; the body is ``{count, next, previous, results}``."""

    page_size_query_param = "page_size"
    max_page_size = 100


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


# --- strict fields: JSON of the wrong type is a 400, never silently coerced ------------------


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An EmailField that refuses anything but a JSON string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
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


# --- the caller ------------------------------------------------------------------------------


def customer_id_of(request: Request) -> int:
    """The authenticated caller (BearerTokenAuthentication puts a Principal in request.user)."""
    return cast(Principal, request.user).customer_id


class OrderFilterSerializer(serializers.Serializer[dict[str, object]]):
    """The optional ``?order_id=`` filter of a list endpoint (a positive integer)."""

    # Query parameters are strings, so the strict JSON field does not fit; the bound keeps a
    # 30-digit id from overflowing the database's bigint.
    order_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    class Meta:
        ref_name = "OrderFilter"


def order_id_filter(request: Request) -> int | None:
    """The validated ``order_id`` query parameter, or None; a bad value is a 400."""
    serializer = OrderFilterSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return cast("int | None", serializer.validated_data.get("order_id"))

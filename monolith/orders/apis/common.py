"""Pieces shared by the orders context's views: strict JSON fields and schema helpers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request


class StrictCharField(serializers.CharField):
    """Refuses numbers and booleans instead of turning them into text."""

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


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def customer_id_of(request: Request) -> int:
    return int(request.user.customer_id)  # type: ignore[union-attr]


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (rendered by ``strangler.errors``)."""

    class Body(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()
        details = serializers.DictField()

        class Meta:
            ref_name = "OrdersErrorBody"

    error = Body()

    class Meta:
        ref_name = "OrdersError"


def error_responses(described: dict[int, str]) -> dict[int, OpenApiResponse]:
    """Error responses for the schema: the codes each status stands for."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=text)
        for code, text in described.items()
    }

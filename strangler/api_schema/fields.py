"""Schema extensions for what DRF's fields and serializers enforce without a schema keyword:
a text field's pattern (no NUL, not only whitespace), a closed request body."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers

# JSON Schema patterns for what DRF's CharField refuses beyond lengths: a NUL character always
# (ProhibitNullCharactersValidator); with trim_whitespace and not allow_blank, a string of
# whitespace only ("This field may not be blank."). Whitespace is what str.strip() removes
# (str.isspace), spelt out: ECMA's \s, which JSON Schema validators use, differs from it.
WHITESPACE = (
    r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = rf"^[^\u0000]*[^{WHITESPACE}\u0000][^\u0000]*$"


def char_pattern(field: serializers.CharField) -> str:
    """The pattern a CharField's input must match (by ``trim_whitespace`` and ``allow_blank``)."""
    return NOT_BLANK if field.trim_whitespace and not field.allow_blank else NO_NUL


class CharFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A request's CharField (and subclasses) gets :func:`char_pattern` unless it has a
    pattern, format or enum of its own (a slug, an e-mail, a regex validator say more)."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        regex = any(isinstance(v, RegexValidator) for v in self.target.validators)
        if (
            direction == "request"
            and not regex
            and not {"pattern", "format", "enum"} & schema.keys()
        ):
            schema["pattern"] = char_pattern(self.target)
        return schema


class ClosedInputExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """A :class:`strangler.api.ClosedInputSerializer` refuses unknown fields: its request
    schema says so with ``additionalProperties: false``."""

    target_class = "strangler.api.ClosedInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        if not self.target.patch_is_partial:
            self.target.partial = False  # a copy drf-spectacular made partial for a PATCH
        schema: dict[str, Any] = auto_schema._map_serializer(
            self.target, direction, bypass_extensions=True
        )
        if direction == "request":
            schema["additionalProperties"] = False
        return schema

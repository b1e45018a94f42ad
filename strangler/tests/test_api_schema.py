"""What makes the documents exact: the schema hook's additions, and the server refusing what
the schema forbids (closed bodies, raw lengths, strict pagination)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from strangler.api import ClosedInputSerializer, Pagination, StrictCharField
from strangler.api_schema import (
    NOT_BLANK,
    PATH_SEGMENT,
    allow_empty_query_value,
    blank_as_any_of,
    framework_responses,
)

PUBLIC: dict[str, Any] = {"security": [{"bearerAuth": []}, {}]}
SECURED: dict[str, Any] = {"security": [{"bearerAuth": []}]}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"in": "query", "name": name, "required": False, "schema": schema}


def test_a_secured_list_declares_401_406_429_a_400_for_its_query_and_a_404_past_the_end() -> None:
    operation = {**SECURED, "parameters": [_query("page", {"type": "integer"})]}

    declared = framework_responses(operation)

    assert sorted(declared) == ["400", "401", "404", "406", "414", "429"]
    assert "not_authenticated" in declared["401"]["description"]
    assert declared["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_a_public_body_operation_declares_400_and_415_and_a_401_only_for_a_bad_token() -> None:
    operation = {**PUBLIC, "requestBody": {"content": {}}}

    declared = framework_responses(operation)

    assert sorted(declared) == ["400", "401", "406", "415", "429"]
    assert declared["401"]["description"].startswith("invalid_token")


def test_a_path_parameter_brings_the_gateways_400_and_a_404() -> None:
    operation = {**SECURED, "parameters": [{"in": "path", "name": "sku", "schema": {}}]}

    declared = framework_responses(operation)

    assert "path_traversal" in declared["400"]["description"]
    assert "404" in declared


def test_an_optional_query_parameter_accepts_the_empty_string_drf_reads_as_left_out() -> None:
    text = _query("q", {"type": "string", "minLength": 1, "pattern": NOT_BLANK})
    day = _query("to", {"type": "string", "format": "date"})
    required = {**_query("day", {"type": "string", "format": "date"}), "required": True}

    for parameter in (text, day, required):
        allow_empty_query_value(parameter)

    assert text["schema"] == {"type": "string", "pattern": f"^$|{NOT_BLANK}"}
    assert day["schema"]["anyOf"][1] == {"type": "string", "maxLength": 0}
    assert required["schema"] == {"type": "string", "format": "date"}


def test_a_blank_field_whose_pattern_accepts_the_empty_string_becomes_any_of() -> None:
    no_nul = {"oneOf": [{"type": "string", "pattern": "^[^\\u0000]*$"}, _empty()]}
    email = {"oneOf": [{"type": "string", "format": "email"}, _empty()]}

    blank_as_any_of({"a": no_nul, "b": [email]})

    assert "anyOf" in no_nul and "oneOf" not in no_nul
    assert "oneOf" in email  # "" is no e-mail: exactly one branch matches, oneOf is right


def _empty() -> dict[str, Any]:
    return {"type": "string", "maxLength": 0}


@pytest.mark.parametrize(
    ("segment", "passes"),
    [
        *(("KIT-500", True), ("...", True), (".a", True), (".", False), ("..", False)),
        *(("a/b", False), ("a%2f", False), ("a\x1ab", False), ("a\\b", False), ("", False)),
    ],
)
def test_the_path_segment_pattern_is_what_the_gateway_lets_through(
    segment: str, passes: bool
) -> None:
    assert bool(re.search(PATH_SEGMENT, segment)) is passes


def test_the_not_blank_pattern_refuses_whitespace_only_and_nul() -> None:
    assert re.search(NOT_BLANK, " a ")
    assert not re.search(NOT_BLANK, " \t ")
    assert not re.search(NOT_BLANK, "\x1c\u3000")  # what str.strip() removes, not only ECMA's \s
    assert not re.search(NOT_BLANK, "a\x00")


class _Body(ClosedInputSerializer):
    name = StrictCharField(max_length=5)


def test_a_closed_body_refuses_a_field_it_does_not_declare() -> None:
    body = _Body(data={"name": "ada", "nmae": "ada"})

    assert not body.is_valid()
    assert body.errors == {"nmae": ["Unknown field."]}


def test_a_strict_text_counts_its_length_before_trimming() -> None:
    assert _Body(data={"name": " ada "}).is_valid()
    body = _Body(data={"name": "ada   "})
    assert not body.is_valid()
    assert "no more than 5" in str(body.errors["name"][0])


def _page(query: str) -> list[int] | None:
    request = Request(APIRequestFactory().get(f"/items?{query}"))
    return Pagination().paginate_queryset(list(range(250)), request)


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=0", "page_size=101"])
def test_a_page_or_page_size_the_document_forbids_is_a_400(query: str) -> None:
    with pytest.raises(ValidationError):
        _page(query)


def test_an_empty_page_size_is_left_out_and_a_valid_one_is_used() -> None:
    assert _page("page_size=") == list(range(20))
    assert _page("page=2&page_size=100") == list(range(100, 200))


def test_strict_text_still_refuses_a_number() -> None:
    with pytest.raises(serializers.ValidationError):
        StrictCharField().run_validation(5)

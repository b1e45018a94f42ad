"""Each class of change to a copy of the committed monolith document, classified."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from strangler.config import REPO_ROOT
from strangler.contracts.compat.openapi import Difference, compare

COMMITTED = yaml.safe_load((REPO_ROOT / "docs" / "api" / "monolith-v1.yaml").read_text())
ADD_TO_CART = "POST /api/v1/cart/items"
CATEGORIES = "GET /api/v1/categories"


@pytest.fixture
def committed() -> dict[str, Any]:
    return copy.deepcopy(COMMITTED)


@pytest.fixture
def generated(committed: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(committed)


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]


def only(differences: list[Difference]) -> Difference:
    assert len(differences) == 1, differences
    return differences[0]


def test_an_unchanged_document_has_no_difference(committed: dict[str, Any]) -> None:
    assert compare(committed, copy.deepcopy(committed)) == []


def test_a_removed_endpoint_breaks(committed: dict[str, Any], generated: dict[str, Any]) -> None:
    del generated["paths"]["/api/v1/categories"]

    assert only(compare(committed, generated)) == Difference(
        CATEGORIES, ("endpoint removed",), breaking=True
    )


def test_a_removed_response_field_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    del schemas(generated)["Category"]["properties"]["product_count"]

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.where == f"{CATEGORIES} response 200 application/json"
    assert difference.changes == ("[].product_count: field removed",)


def test_a_removed_enum_value_of_an_input_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    for document, currencies in ((committed, ["EUR", "USD"]), (generated, ["EUR"])):
        schemas(document)["CartItemAddRequest"]["properties"]["currency"] = {
            "type": "string",
            "enum": currencies,
        }

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.where == f"{ADD_TO_CART} request body application/json"
    assert difference.changes == ("currency: enum value 'USD' removed",)


def test_a_changed_type_breaks(committed: dict[str, Any], generated: dict[str, Any]) -> None:
    schemas(generated)["CartItemAddRequest"]["properties"]["quantity"]["type"] = "string"

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.changes == ("quantity: type integer -> string",)


def test_a_new_required_body_field_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    request = schemas(generated)["CartItemAddRequest"]
    request["properties"]["gift_note"] = {"type": "string"}
    request["required"].append("gift_note")

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.changes == ("gift_note: required field added",)


def test_a_new_required_parameter_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    generated["paths"]["/api/v1/categories"]["get"].setdefault("parameters", []).append(
        {"in": "query", "name": "shop", "required": True, "schema": {"type": "string"}}
    )

    assert only(compare(committed, generated)) == Difference(
        f"{CATEGORIES} query parameter shop", ("required parameter added",), breaking=True
    )


def test_a_tighter_input_limit_breaks(committed: dict[str, Any], generated: dict[str, Any]) -> None:
    schemas(generated)["CartItemAddRequest"]["properties"]["quantity"]["maximum"] = 10

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.changes == ("quantity: maximum 100 -> 10",)


def test_a_response_field_that_may_now_be_null_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["Category"]["properties"]["name"]["nullable"] = True

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.changes == ("[].name: type string -> null|string",)


def test_a_response_field_no_longer_guaranteed_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["Category"]["required"].remove("name")

    difference = only(compare(committed, generated))

    assert difference.breaking
    assert difference.changes == ("[].name: no longer required",)


def test_a_new_enum_value_in_a_response_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["OrderStatusEnum"]["enum"].append("lost")

    differences = compare(committed, generated)

    assert differences, "the order status is answered by several endpoints"
    assert all(
        d.breaking and d.changes[-1].endswith("enum value 'lost' added") for d in differences
    )


def test_a_removed_success_response_breaks(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    del generated["paths"]["/api/v1/categories"]["get"]["responses"]["200"]

    assert only(compare(committed, generated)) == Difference(
        f"{CATEGORIES} response 200", ("response removed",), breaking=True
    )


def test_an_added_optional_field_is_additive(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["CartItemAddRequest"]["properties"]["gift_note"] = {"type": "string"}
    schemas(generated)["Category"]["properties"]["colour"] = {"type": "string"}

    differences = compare(committed, generated)

    assert [(d.where, d.changes, d.breaking) for d in differences] == [
        (
            f"{CATEGORIES} response 200 application/json",
            ("[].colour: optional field added",),
            False,
        ),
        (
            f"{ADD_TO_CART} request body application/json",
            ("gift_note: optional field added",),
            False,
        ),
    ]


def test_a_new_endpoint_is_additive(committed: dict[str, Any], generated: dict[str, Any]) -> None:
    generated["paths"]["/api/v1/brands"] = copy.deepcopy(generated["paths"]["/api/v1/categories"])

    assert only(compare(committed, generated)) == Difference(
        "GET /api/v1/brands", ("endpoint added",), breaking=False
    )


def test_a_looser_input_limit_is_additive(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["CartItemAddRequest"]["properties"]["quantity"]["maximum"] = 1000

    assert not only(compare(committed, generated)).breaking


def test_changed_prose_is_no_difference(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["Category"]["properties"]["name"]["description"] = "What shoppers read"
    generated["info"]["description"] = "Another introduction"

    assert compare(committed, generated) == []


def test_a_schema_the_checker_cannot_decide_fails_naming_the_place(
    committed: dict[str, Any], generated: dict[str, Any]
) -> None:
    schemas(generated)["CartItemAddRequest"]["properties"]["weight"] = {
        "type": "number",
        "multipleOf": 0.5,  # jsoncompat decides no non-integral multipleOf
    }

    with pytest.raises(ValueError, match=rf"^{ADD_TO_CART} request body application/json: "):
        compare(committed, generated)

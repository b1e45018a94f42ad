from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monolith.customers.models import Address, Customer
from monolith.customers.tests.conftest import MakeAddress
from monolith.customers.tests.helpers import address_payload, client_for, error_code

pytestmark = pytest.mark.django_db

ADDRESSES = reverse("customers-address-list")


def detail(address_id: int) -> str:
    return reverse("customers-address-detail", kwargs={"address_id": address_id})


def rows(customer: Customer) -> list[tuple[Any, ...]]:
    return list(
        Address.objects.filter(customer=customer)
        .order_by("id")
        .values_list("id", "full_name", "line1", "city", "country", "is_default", "updated_at")
    )


def default_id(customer: Customer) -> int | None:
    return (
        Address.objects.filter(customer=customer, is_default=True)
        .values_list("id", flat=True)
        .first()
    )


# --- list --------------------------------------------------------------------------------------


def test_list_is_empty_and_paginated_for_a_new_customer(auth_client: APIClient) -> None:
    response = auth_client.get(ADDRESSES)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_shows_only_own_addresses_default_first(
    auth_client: APIClient,
    customer: Customer,
    other_customer: Customer,
    make_address: MakeAddress,
) -> None:
    first = make_address(customer, is_default=True, line1="First")
    second = make_address(customer, line1="Second")
    make_address(other_customer, is_default=True, line1="Not mine")

    response = auth_client.get(ADDRESSES)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [a["id"] for a in response.json()["results"]] == [first.id, second.id]
    assert response.json()["results"][0]["is_default"] is True


def test_list_needs_a_token(api_client: APIClient) -> None:
    response = api_client.get(ADDRESSES)

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


# --- create ------------------------------------------------------------------------------------


def test_the_first_address_becomes_the_default(auth_client: APIClient, customer: Customer) -> None:
    response = auth_client.post(ADDRESSES, address_payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["is_default"] is True
    assert {k: body[k] for k in address_payload()} == address_payload()
    assert default_id(customer) == body["id"]


def test_a_later_address_is_not_the_default_unless_asked(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    first = make_address(customer, is_default=True)

    response = auth_client.post(ADDRESSES, address_payload(line1="Other"), format="json")

    assert response.status_code == 201
    assert response.json()["is_default"] is False
    assert default_id(customer) == first.id


def test_creating_with_is_default_moves_the_default(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    make_address(customer, is_default=True)

    response = auth_client.post(ADDRESSES, address_payload(is_default=True), format="json")

    assert response.status_code == 201
    assert default_id(customer) == response.json()["id"]
    assert Address.objects.filter(customer=customer, is_default=True).count() == 1


def test_a_lower_case_country_code_is_stored_upper_case(auth_client: APIClient) -> None:
    response = auth_client.post(ADDRESSES, address_payload(country="nl"), format="json")

    assert response.status_code == 201
    assert response.json()["country"] == "NL"


def test_line2_may_be_left_out(auth_client: APIClient) -> None:
    payload = address_payload()
    del payload["line2"]

    response = auth_client.post(ADDRESSES, payload, format="json")

    assert response.status_code == 201
    assert response.json()["line2"] == ""


@pytest.mark.parametrize("missing", ["full_name", "line1", "city", "postal_code", "country"])
def test_creating_without_a_required_field_is_400_and_writes_nothing(
    auth_client: APIClient, customer: Customer, missing: str
) -> None:
    payload = address_payload()
    del payload[missing]

    response = auth_client.post(ADDRESSES, payload, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert missing in response.json()["error"]["details"]
    assert Address.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("country", "IDN"),
        ("country", "Indonesia"),
        ("country", 62),
        ("is_default", "yes"),
        ("is_default", 1),
        ("is_default", None),
        ("city", 12345),
        ("city", ""),
        ("line1", None),
        ("postal_code", "1" * 21),
        ("full_name", {"name": "Ana"}),
    ],
)
def test_creating_with_a_bad_value_is_400_and_writes_nothing(
    auth_client: APIClient, field: str, value: Any
) -> None:
    response = auth_client.post(ADDRESSES, address_payload(**{field: value}), format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]
    assert Address.objects.count() == 0


def test_creating_with_malformed_json_is_400_and_writes_nothing(auth_client: APIClient) -> None:
    response = auth_client.post(ADDRESSES, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"
    assert Address.objects.count() == 0


def test_creating_for_a_deleted_customer_is_401_and_writes_nothing(
    auth_client: APIClient, customer: Customer
) -> None:
    customer.delete()

    response = auth_client.post(ADDRESSES, address_payload(), format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"
    assert Address.objects.count() == 0


def test_a_repeated_idempotency_key_creates_the_address_once(
    auth_client: APIClient, customer: Customer
) -> None:
    headers = {"Idempotency-Key": "add-home-1"}

    first = auth_client.post(ADDRESSES, address_payload(), format="json", headers=headers)
    again = auth_client.post(ADDRESSES, address_payload(), format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Address.objects.filter(customer=customer).count() == 1


# --- retrieve ----------------------------------------------------------------------------------


def test_get_own_address(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    address = make_address(customer, is_default=True)

    response = auth_client.get(detail(address.id))

    assert response.status_code == 200
    assert response.json()["id"] == address.id
    assert response.json()["city"] == "Jakarta"


def test_another_customers_address_is_404_not_403(
    auth_client: APIClient, other_customer: Customer, make_address: MakeAddress
) -> None:
    theirs = make_address(other_customer, is_default=True)

    response = auth_client.get(detail(theirs.id))

    assert response.status_code == 404
    assert error_code(response) == "address_not_found"


def test_an_unknown_address_is_404_the_same_way(auth_client: APIClient) -> None:
    response = auth_client.get(detail(999_999))

    assert response.status_code == 404
    assert error_code(response) == "address_not_found"


# --- update ------------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    address = make_address(customer, is_default=True)

    response = auth_client.patch(
        detail(address.id), {"city": "Bandung", "country": "id"}, format="json"
    )

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.city, address.country, address.line1) == ("Bandung", "ID", "Jl. Sudirman No. 5")
    assert address.is_default


def test_patch_is_default_moves_the_default(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    old = make_address(customer, is_default=True)
    new = make_address(customer)

    response = auth_client.patch(detail(new.id), {"is_default": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert default_id(customer) == new.id
    old.refresh_from_db()
    assert old.is_default is False


def test_unsetting_the_default_is_422_and_changes_nothing(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    address = make_address(customer, is_default=True)
    make_address(customer)
    before = rows(customer)

    response = auth_client.patch(
        detail(address.id), {"is_default": False, "city": "Bogor"}, format="json"
    )

    assert response.status_code == 422
    assert error_code(response) == "default_address_required"
    assert rows(customer) == before


def test_is_default_false_on_a_non_default_address_is_fine(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    default = make_address(customer, is_default=True)
    other = make_address(customer)

    response = auth_client.patch(detail(other.id), {"is_default": False}, format="json")

    assert response.status_code == 200
    assert default_id(customer) == default.id


def test_patching_another_customers_address_is_404_and_changes_nothing(
    auth_client: APIClient, other_customer: Customer, make_address: MakeAddress
) -> None:
    theirs = make_address(other_customer, is_default=True)
    before = rows(other_customer)

    response = auth_client.patch(detail(theirs.id), {"city": "Surabaya"}, format="json")
    invalid = auth_client.patch(detail(theirs.id), {"country": "XX"}, format="json")

    assert response.status_code == invalid.status_code == 404
    assert error_code(response) == error_code(invalid) == "address_not_found"
    assert rows(other_customer) == before


@pytest.mark.parametrize(
    "body",
    [
        {"country": "ZZ"},
        {"city": ""},
        {"line1": None},
        {"is_default": "true"},
        {"postal_code": 10220},
    ],
)
def test_patch_with_a_bad_value_is_400_and_changes_nothing(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress, body: dict[str, Any]
) -> None:
    address = make_address(customer, is_default=True)
    before = rows(customer)

    response = auth_client.patch(detail(address.id), body, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]) == set(body)
    assert rows(customer) == before


def test_patch_with_malformed_json_is_400_and_changes_nothing(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    address = make_address(customer, is_default=True)
    before = rows(customer)

    response = auth_client.patch(detail(address.id), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"
    assert rows(customer) == before


# --- delete ------------------------------------------------------------------------------------


def test_deleting_a_non_default_address_keeps_the_default(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    default = make_address(customer, is_default=True)
    other = make_address(customer)

    response = auth_client.delete(detail(other.id))

    assert response.status_code == 204
    assert list(Address.objects.filter(customer=customer).values_list("id", flat=True)) == [
        default.id
    ]
    assert default_id(customer) == default.id


def test_deleting_the_default_makes_the_newest_remaining_address_default(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    default = make_address(customer, is_default=True)
    older = make_address(customer, line1="Older")
    newest = make_address(customer, line1="Newest")

    response = auth_client.delete(detail(default.id))

    assert response.status_code == 204
    assert default_id(customer) == newest.id
    older.refresh_from_db()
    assert older.is_default is False


def test_deleting_the_last_address_leaves_none(
    auth_client: APIClient, customer: Customer, make_address: MakeAddress
) -> None:
    only = make_address(customer, is_default=True)

    assert auth_client.delete(detail(only.id)).status_code == 204
    assert not Address.objects.filter(customer=customer).exists()
    assert auth_client.get(detail(only.id)).status_code == 404


def test_deleting_another_customers_address_is_404_and_changes_nothing(
    auth_client: APIClient, other_customer: Customer, make_address: MakeAddress
) -> None:
    theirs = make_address(other_customer, is_default=True)
    before = rows(other_customer)

    response = auth_client.delete(detail(theirs.id))

    assert response.status_code == 404
    assert error_code(response) == "address_not_found"
    assert rows(other_customer) == before


def test_the_owner_still_sees_the_address_another_customer_tried_to_delete(
    customer: Customer, other_customer: Customer, make_address: MakeAddress
) -> None:
    mine = make_address(customer, is_default=True)

    assert client_for(other_customer).delete(detail(mine.id)).status_code == 404
    assert client_for(customer).get(detail(mine.id)).status_code == 200

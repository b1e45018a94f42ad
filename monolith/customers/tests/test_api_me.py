from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monolith.customers.models import Customer
from monolith.customers.tests.helpers import (
    alg_none_token,
    client_with_token,
    error_code,
    forged_token,
    hs256_public_key_token,
)
from strangler.auth.tokens import issue_pair

pytestmark = pytest.mark.django_db

ME = reverse("customers-me")


def snapshot(customer: Customer) -> tuple[Any, ...]:
    customer.refresh_from_db()
    return (customer.email, customer.full_name, customer.phone, customer.updated_at)


def test_me_shows_the_profile(auth_client: APIClient, customer: Customer) -> None:
    response = auth_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.id
    assert body["email"] == "ana@example.com"
    assert body["full_name"] == "Ana Putri"
    assert body["phone"] == ""
    assert "password" not in body


def test_me_without_a_token_is_401(api_client: APIClient) -> None:
    response = api_client.get(ME)

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "make_token",
    [forged_token, alg_none_token, hs256_public_key_token],
    ids=["other-rsa-key", "alg-none", "hs256-with-public-key"],
)
def test_me_with_a_forged_token_is_401(customer: Customer, make_token: Any) -> None:
    response = client_with_token(make_token(customer.id, "access")).get(ME)

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_me_with_a_refresh_token_is_401(customer: Customer) -> None:
    refresh = issue_pair(str(customer.id), email=customer.email).refresh

    response = client_with_token(refresh).get(ME)

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_me_with_an_expired_access_token_is_401(customer: Customer, settings: Any) -> None:
    settings.JWT_ACCESS_TTL = timedelta(seconds=-1)
    token = issue_pair(str(customer.id), email=customer.email).access

    response = client_with_token(token).get(ME)

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_me_with_a_non_bearer_scheme_is_401(api_client: APIClient, customer: Customer) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Basic YW5hOnNlY3JldA==")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_me_for_a_deleted_customer_is_401(auth_client: APIClient, customer: Customer) -> None:
    customer.delete()

    response = auth_client.get(ME)

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_me_for_a_deactivated_customer_is_401(auth_client: APIClient, customer: Customer) -> None:
    Customer.objects.filter(id=customer.id).update(is_active=False)

    assert auth_client.get(ME).status_code == 401
    assert auth_client.patch(ME, {"full_name": "X"}, format="json").status_code == 401
    customer.refresh_from_db()
    assert customer.full_name == "Ana Putri"


def test_patch_me_changes_name_and_phone(auth_client: APIClient, customer: Customer) -> None:
    response = auth_client.patch(
        ME, {"full_name": "  Ana Putri Wijaya ", "phone": "+62 812-3456-7890"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Ana Putri Wijaya"
    assert response.json()["phone"] == "+62 812-3456-7890"
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Ana Putri Wijaya", "+62 812-3456-7890")


def test_patch_me_with_only_the_phone_keeps_the_name(
    auth_client: APIClient, customer: Customer
) -> None:
    response = auth_client.patch(ME, {"phone": "0812345678"}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Ana Putri", "0812345678")


@pytest.mark.parametrize("cleared", [None, ""])
def test_patch_me_with_an_empty_phone_clears_it(
    auth_client: APIClient, customer: Customer, cleared: str | None
) -> None:
    Customer.objects.filter(id=customer.id).update(phone="0812345678")

    response = auth_client.patch(ME, {"phone": cleared}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.phone == ""


def test_patch_me_with_an_empty_body_changes_nothing(
    auth_client: APIClient, customer: Customer
) -> None:
    before = snapshot(customer)

    response = auth_client.patch(ME, {}, format="json")

    assert response.status_code == 200
    assert snapshot(customer) == before


def test_patch_me_cannot_change_the_email(auth_client: APIClient, customer: Customer) -> None:
    before = snapshot(customer)

    response = auth_client.patch(
        ME, {"email": "new@example.com", "full_name": "Ana Baru"}, format="json"
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "email" in response.json()["error"]["details"]
    assert snapshot(customer) == before


@pytest.mark.parametrize(
    "body",
    [
        {"full_name": ""},
        {"full_name": "   "},
        {"full_name": None},
        {"full_name": 42},
        {"full_name": ["Ana"]},
        {"full_name": "x" * 201},
        {"phone": "call me maybe"},
        {"phone": 62812345678},
        {"phone": "+" + "1" * 40},
    ],
)
def test_patch_me_with_a_bad_value_is_400_and_changes_nothing(
    auth_client: APIClient, customer: Customer, body: dict[str, Any]
) -> None:
    before = snapshot(customer)

    response = auth_client.patch(ME, body, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]) == set(body)
    assert snapshot(customer) == before


def test_patch_me_with_malformed_json_is_400_and_changes_nothing(
    auth_client: APIClient, customer: Customer
) -> None:
    before = snapshot(customer)

    response = auth_client.patch(ME, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"
    assert snapshot(customer) == before


def test_me_does_not_accept_put_or_delete(auth_client: APIClient, customer: Customer) -> None:
    assert auth_client.put(ME, {"full_name": "X"}, format="json").status_code == 405
    assert auth_client.delete(ME).status_code == 405
    assert Customer.objects.filter(id=customer.id, full_name="Ana Putri").exists()

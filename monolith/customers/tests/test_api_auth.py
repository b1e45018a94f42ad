from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.hashers import check_password
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from monolith.customers.models import Customer
from monolith.customers.tests.conftest import MakeCustomer
from monolith.customers.tests.helpers import (
    PASSWORD,
    alg_none_token,
    client_for,
    error_code,
    forged_token,
    hs256_public_key_token,
)
from strangler.auth import keys
from strangler.auth.tokens import decode, issue_pair

pytestmark = pytest.mark.django_db

REGISTER = reverse("customers-register")
TOKEN = reverse("customers-token")
REFRESH = reverse("customers-refresh")
JWKS = reverse("customers-jwks")
ME = reverse("customers-me")


def register_body(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "siti@example.com",
        "password": PASSWORD,
        "full_name": "Siti Rahma",
        **overrides,
    }


def assert_token_body(body: dict[str, Any], customer: Customer) -> None:
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    access = decode(body["access"], "access")
    assert access["sub"] == str(customer.id)
    assert access["email"] == customer.email
    assert decode(body["refresh"], "refresh")["sub"] == str(customer.id)


# --- register ----------------------------------------------------------------------------------


def test_register_creates_the_customer_and_signs_them_in(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, register_body(), format="json")

    assert response.status_code == 201
    customer = Customer.objects.get()
    body = response.json()
    assert body["customer"] == {
        "id": customer.id,
        "email": "siti@example.com",
        "full_name": "Siti Rahma",
    }
    assert_token_body(body["tokens"], customer)
    assert response["Cache-Control"] == "no-store"
    assert customer.password != PASSWORD
    assert check_password(PASSWORD, customer.password)
    assert customer.is_active and customer.last_login_at is not None


def test_register_stores_the_email_in_lower_case(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, register_body(email="  Siti@Example.COM "), format="json")

    assert response.status_code == 201
    assert response.json()["customer"]["email"] == "siti@example.com"
    assert Customer.objects.get().email == "siti@example.com"


def test_new_access_token_works_on_me(api_client: APIClient) -> None:
    tokens = api_client.post(REGISTER, register_body(), format="json").json()["tokens"]
    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens["access"])

    assert api_client.get(ME).json()["email"] == "siti@example.com"


@pytest.mark.parametrize("email", ["siti@example.com", "SITI@example.com", "Siti@Example.Com"])
def test_register_with_a_taken_email_in_any_case_is_409_and_writes_nothing(
    api_client: APIClient, make_customer: MakeCustomer, email: str
) -> None:
    existing = make_customer(email="siti@example.com", full_name="The First Siti")

    response = api_client.post(REGISTER, register_body(email=email), format="json")

    assert response.status_code == 409
    assert error_code(response) == "email_taken"
    assert list(Customer.objects.values_list("id", "full_name")) == [
        (existing.id, "The First Siti")
    ]


def test_register_while_registration_is_closed_is_403_and_writes_nothing(
    api_client: APIClient,
) -> None:
    with override_settings(CUSTOMERS_REGISTRATION_OPEN=False):
        response = api_client.post(REGISTER, register_body(), format="json")

    assert response.status_code == 403
    assert error_code(response) == "registration_closed"
    assert Customer.objects.count() == 0
    assert api_client.post(REGISTER, register_body(), format="json").status_code == 201


@pytest.mark.parametrize(
    ("password", "status", "code"),
    [
        # the rules the schema states: a 400
        ("short1!", 400, "validation_error"),
        ("12345678901", 400, "validation_error"),
        # the rules no schema can state: a 422
        ("password123", 422, "weak_password"),
        ("siti@example.com", 422, "weak_password"),
        ("siti.rahma1", 422, "weak_password"),
    ],
    ids=["too-short", "numeric", "common", "like-email", "like-name"],
)
def test_register_with_a_weak_password_is_refused_and_writes_nothing(
    api_client: APIClient, password: str, status: int, code: str
) -> None:
    response = api_client.post(REGISTER, register_body(password=password), format="json")

    assert response.status_code == status
    assert error_code(response) == code
    assert response.json()["error"]["details"]["password"]
    assert Customer.objects.count() == 0


def test_register_with_missing_fields_is_400_naming_each_field(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]) == {"email", "password", "full_name"}
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", 123),
        ("email", "not-an-email"),
        ("email", None),
        ("password", 1234567890123),
        ("password", ["correct-horse-battery-9"]),
        ("full_name", {"first": "Siti"}),
        ("full_name", True),
        ("full_name", "   "),
        ("full_name", "x" * 201),
    ],
)
def test_register_with_a_wrong_type_or_value_is_400_and_writes_nothing(
    api_client: APIClient, field: str, value: Any
) -> None:
    response = api_client.post(REGISTER, register_body(**{field: value}), format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]
    assert Customer.objects.count() == 0


def test_register_with_a_json_array_body_is_400(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, [register_body()], format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert Customer.objects.count() == 0


def test_register_with_malformed_json_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"
    assert Customer.objects.count() == 0


def test_register_with_form_encoding_is_415(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, register_body())  # multipart, not JSON

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert Customer.objects.count() == 0


def test_register_with_a_broken_bearer_header_is_401(api_client: APIClient) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = api_client.post(REGISTER, register_body(), format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"
    assert Customer.objects.count() == 0


# --- token -------------------------------------------------------------------------------------


def test_sign_in_returns_a_token_pair_and_records_the_login(
    api_client: APIClient, customer: Customer
) -> None:
    assert customer.last_login_at is None

    response = api_client.post(
        TOKEN, {"email": "ana@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert_token_body(response.json(), customer)
    assert response["Cache-Control"] == "no-store"
    customer.refresh_from_db()
    assert customer.last_login_at is not None


def test_sign_in_ignores_the_case_of_the_email(api_client: APIClient, customer: Customer) -> None:
    response = api_client.post(
        TOKEN, {"email": " ANA@Example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ana@example.com", "wrong-password-1"),
        ("ana@example.com", PASSWORD.upper()),
        ("nobody@example.com", PASSWORD),
    ],
    ids=["wrong-password", "password-case", "unknown-email"],
)
def test_bad_credentials_are_401_with_one_message_for_all(
    api_client: APIClient, customer: Customer, email: str, password: str
) -> None:
    response = api_client.post(TOKEN, {"email": email, "password": password}, format="json")

    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "invalid_credentials",
        "message": "The e-mail or password is incorrect.",
        "details": {},
    }
    customer.refresh_from_db()
    assert customer.last_login_at is None


def test_an_inactive_customer_cannot_sign_in(
    api_client: APIClient, make_customer: MakeCustomer
) -> None:
    make_customer(email="gone@example.com", is_active=False)

    response = api_client.post(
        TOKEN, {"email": "gone@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "ana@example.com"}, {"password": PASSWORD}, {"email": 1, "password": 2}],
    ids=["empty", "no-password", "no-email", "numbers"],
)
def test_sign_in_with_missing_or_mistyped_fields_is_400(
    api_client: APIClient, customer: Customer, body: dict[str, Any]
) -> None:
    response = api_client.post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_sign_in_with_malformed_json_is_400(api_client: APIClient) -> None:
    response = api_client.post(TOKEN, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


# --- refresh -----------------------------------------------------------------------------------


def test_refresh_rotates_both_tokens(api_client: APIClient, customer: Customer) -> None:
    old = issue_pair(str(customer.id), email=customer.email)

    response = api_client.post(REFRESH, {"refresh": old.refresh}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert_token_body(body, customer)
    assert body["refresh"] != old.refresh
    assert body["access"] != old.access
    assert response["Cache-Control"] == "no-store"


def test_refresh_reflects_the_current_email(api_client: APIClient, customer: Customer) -> None:
    refresh = issue_pair(str(customer.id), email="stale@example.com").refresh

    body = api_client.post(REFRESH, {"refresh": refresh}, format="json").json()

    assert decode(body["access"], "access")["email"] == "ana@example.com"


def test_an_access_token_cannot_be_used_to_refresh(
    api_client: APIClient, customer: Customer
) -> None:
    access = issue_pair(str(customer.id), email=customer.email).access

    response = api_client.post(REFRESH, {"refresh": access}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_an_expired_refresh_token_is_401(
    api_client: APIClient, customer: Customer, settings: Any
) -> None:
    settings.JWT_REFRESH_TTL = timedelta(seconds=-1)
    expired = issue_pair(str(customer.id), email=customer.email).refresh
    settings.JWT_REFRESH_TTL = timedelta(days=7)

    response = api_client.post(REFRESH, {"refresh": expired}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


@pytest.mark.parametrize(
    "make_token",
    [forged_token, alg_none_token, hs256_public_key_token, lambda _id, _typ: "not.a.jwt"],
    ids=["other-rsa-key", "alg-none", "hs256-with-public-key", "garbage"],
)
def test_a_forged_refresh_token_is_401(
    api_client: APIClient, customer: Customer, make_token: Any
) -> None:
    response = api_client.post(
        REFRESH, {"refresh": make_token(customer.id, "refresh")}, format="json"
    )

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_refresh_token_of_a_deleted_customer_is_401(
    api_client: APIClient, customer: Customer
) -> None:
    refresh = issue_pair(str(customer.id), email=customer.email).refresh
    customer.delete()

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_refresh_token_of_a_deactivated_customer_is_401(
    api_client: APIClient, customer: Customer
) -> None:
    refresh = issue_pair(str(customer.id), email=customer.email).refresh
    Customer.objects.filter(id=customer.id).update(is_active=False)

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_refresh_token_with_a_non_numeric_subject_is_401(api_client: APIClient) -> None:
    refresh = issue_pair("not-a-number").refresh

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


@pytest.mark.parametrize(
    "body", [{}, {"refresh": ""}, {"refresh": 42}], ids=["none", "blank", "int"]
)
def test_refresh_without_a_token_string_is_400(api_client: APIClient, body: dict[str, Any]) -> None:
    response = api_client.post(REFRESH, body, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_refresh_with_malformed_json_is_400(api_client: APIClient) -> None:
    response = api_client.post(REFRESH, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


# --- jwks --------------------------------------------------------------------------------------


def test_jwks_publishes_the_public_key_that_verifies_tokens(api_client: APIClient) -> None:
    response = api_client.get(JWKS)

    assert response.status_code == 200
    (jwk,) = response.json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert jwk["kid"] == keys.key_id()
    assert "d" not in jwk  # never the private exponent

    def as_int(value: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")

    public = serialization.load_pem_public_key(keys.public_key_pem())
    assert isinstance(public, rsa.RSAPublicKey)
    assert as_int(jwk["n"]) == public.public_numbers().n
    assert as_int(jwk["e"]) == public.public_numbers().e


def test_jwks_needs_no_token_but_refuses_a_bad_one(api_client: APIClient) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + alg_none_token(1))

    assert api_client.get(JWKS).status_code == 401


def test_jwks_works_for_a_signed_in_customer(customer: Customer) -> None:
    assert client_for(customer).get(JWKS).status_code == 200

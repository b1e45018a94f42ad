"""The public auth API (same paths, bodies, codes and headers as the monolith served) and the
internal credentials API; every bad input a 4xx with the JSON error body."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.tests.helpers import (
    CREDENTIALS,
    JWKS,
    PASSWORD,
    REFRESH,
    TOKEN,
    account,
    body,
    post,
)
from strangler.auth.tokens import decode
from strangler.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

TOKEN_FIELDS = {"access", "refresh", "token_type", "expires_in"}


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_credential_is_created_201_with_a_token_pair(client: APIClient) -> None:
    response = post(client, CREDENTIALS, body(), key="customer-7-credential")

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert {k: answer[k] for k in ("customer_id", "email", "roles")} == {
        "customer_id": 7,
        "email": "ada@example.com",
        "roles": ["customer"],
    }
    assert set(answer["tokens"]) == TOKEN_FIELDS
    assert decode(answer["tokens"]["access"], "access")["sub"] == "7"


def test_a_retried_creation_gets_the_first_answer(client: APIClient) -> None:
    first = post(client, CREDENTIALS, body(), key="customer-7-credential")
    again = post(client, CREDENTIALS, body(), key="customer-7-credential")

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Credential.objects.count() == 1


def test_a_taken_email_is_409(client: APIClient) -> None:
    account(customer_id=3)

    response = post(client, CREDENTIALS, body(email="ADA@example.com"), key="customer-7-credential")

    assert error(response) == (409, "email_taken")


@pytest.mark.parametrize(
    "bad",
    [
        {"customer_id": 0},
        {"customer_id": "7"},
        {"customer_id": 2**63},
        {"email": "not-an-email"},
        {"email": None},
        {"password": "short"},
        {"password": 12345678},
        {"extra": "field"},
    ],
)
def test_bad_credential_input_is_400_and_creates_nothing(client: APIClient, bad: Any) -> None:
    response = post(client, CREDENTIALS, body(**bad), key="customer-7-credential")

    assert error(response) == (400, "validation_error")
    assert Credential.objects.count() == IdempotencyRecord.objects.count() == 0


def discard(client: APIClient, customer_id: object, data: Any) -> Any:
    return client.post(f"{CREDENTIALS}/{customer_id}/discard", data, format="json")


def test_a_rolled_back_registration_s_credential_is_discarded_once(client: APIClient) -> None:
    account(customer_id=7)
    account(customer_id=8, email="bob@example.com")

    first = discard(client, 7, {"email": "ADA@example.com"})
    again = discard(client, 7, {"email": "ada@example.com"})

    assert (first.status_code, first.json()) == (200, {"discarded": True})
    assert (again.status_code, again.json()) == (200, {"discarded": False})
    assert list(Credential.objects.values_list("customer_id", flat=True)) == [8]
    # the e-mail is free again: the customer's next registration gets it
    assert post(client, CREDENTIALS, body(customer_id=9)).status_code == 201


@pytest.mark.parametrize(
    ("customer_id", "email"),
    [(7, "bob@example.com"), (8, "ada@example.com"), (2**63, "ada@example.com")],
)
def test_a_discard_that_names_another_customer_or_e_mail_removes_nothing(
    client: APIClient, customer_id: int, email: str
) -> None:
    account(customer_id=7)

    response = discard(client, customer_id, {"email": email})

    assert (response.status_code, response.json()) == (200, {"discarded": False})
    assert Credential.objects.filter(customer_id=7).exists()


@pytest.mark.parametrize("bad", [{}, {"email": "nope"}, {"email": 7}, {"email": "a@b.co", "x": 1}])
def test_bad_discard_input_is_400_and_removes_nothing(client: APIClient, bad: Any) -> None:
    account(customer_id=7)

    assert error(discard(client, 7, bad)) == (400, "validation_error")
    raw = client.post(f"{CREDENTIALS}/7/discard", b"{", content_type="application/json")
    assert error(raw) == (400, "malformed_request")
    assert discard(client, "seven", {"email": "ada@example.com"}).status_code == 404
    assert Credential.objects.filter(customer_id=7).exists()


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"x"', b"null"])
def test_malformed_bodies_are_400(client: APIClient, raw: bytes) -> None:
    for url in (CREDENTIALS, TOKEN, REFRESH):
        response = client.post(url, raw, content_type="application/json")
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] in ("malformed_request", "validation_error")


def test_sign_in_answers_a_pair_not_to_be_cached(client: APIClient) -> None:
    account(last_login_at=None)

    response = post(client, TOKEN, {"email": "Ada@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert set(answer) == TOKEN_FIELDS and answer["token_type"] == "Bearer"
    assert decode(answer["access"], "access")["roles"] == ["customer"]
    assert Credential.objects.get().last_login_at is not None


@pytest.mark.parametrize("active", [True, False])
def test_wrong_credentials_and_inactive_accounts_are_401(client: APIClient, active: bool) -> None:
    account(is_active=active)
    password = "wrong password" if active else PASSWORD

    response = post(client, TOKEN, {"email": "ada@example.com", "password": password})

    assert error(response) == (401, "invalid_credentials")


@pytest.mark.parametrize(
    "bad", [{}, {"email": "a@example.com"}, {"email": 1, "password": "x"}, {"refresh": "x"}]
)
def test_bad_sign_in_input_is_400(client: APIClient, bad: Any) -> None:
    assert error(post(client, TOKEN, bad)) == (400, "validation_error")


def test_refresh_rotates_and_refuses_an_access_token(client: APIClient) -> None:
    account()
    pair = post(client, TOKEN, {"email": "ada@example.com", "password": PASSWORD}).json()

    renewed = post(client, REFRESH, {"refresh": pair["refresh"]})
    refused = post(client, REFRESH, {"refresh": pair["access"]})

    assert renewed.status_code == 200 and renewed["Cache-Control"] == "no-store"
    assert set(renewed.json()) == TOKEN_FIELDS
    assert error(refused) == (401, "invalid_token")
    assert error(post(client, REFRESH, {"refresh": 5})) == (400, "validation_error")


def test_the_jwks_lists_the_signing_key(client: APIClient) -> None:
    account()
    access = post(client, TOKEN, {"email": "ada@example.com", "password": PASSWORD}).json()

    response = client.get(JWKS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    import jwt

    kid = jwt.get_unverified_header(access["access"])["kid"]
    assert kid in {key["kid"] for key in response.json()["keys"]}


def test_the_routes_refuse_other_methods_with_a_json_405(client: APIClient) -> None:
    for url in (CREDENTIALS, TOKEN, REFRESH):
        response = client.get(url)
        assert response.status_code == 405
        assert "error" in response.json()

"""Hostile and broken requests: the right 4xx and code, and nothing changes in the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from strangler.auth import keys
from strangler.auth.tokens import issue_pair
from tests.api.conftest import Shop, Shopper, db_counts, error_of

pytestmark = pytest.mark.django_db


def assert_refused(response: Any, status: int, code: str, before: dict[str, int]) -> None:
    assert error_of(response) == (status, code), response.content
    assert db_counts() == before


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/cart/items", '{"sku": "X", "quantity": 1'),
        ("/api/v1/cart/items", "[1, 2"),
        ("/api/v1/checkout", "card_token=tok_visa"),
        ("/api/v1/payments", "{'order_id': 1}"),
    ],
)
def test_malformed_json(shop: Shop, ada: Shopper, path: str, raw: str) -> None:
    before = db_counts()

    response = ada.client.post(path, raw, content_type="application/json")

    assert_refused(response, 400, "malformed_request", before)


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "{first}", "quantity": "1"},
        {"sku": "{first}", "quantity": 1.5},
        {"sku": "{first}", "quantity": True},
        {"sku": "{first}", "quantity": None},
        {"sku": "{first}", "quantity": [1]},
        {"sku": 123, "quantity": 1},
        {"sku": ["{first}"], "quantity": 1},
        {"sku": "{first}"},
        [],
    ],
)
def test_wrong_types_in_the_cart(shop: Shop, ada: Shopper, body: Any) -> None:
    if isinstance(body, dict) and body.get("sku") == "{first}":
        body = {**body, "sku": shop.first.sku}
    before = db_counts()

    response = ada.client.post("/api/v1/cart/items", body, format="json")

    assert_refused(response, 400, "validation_error", before)


@pytest.mark.parametrize(
    "body",
    [
        {"card_token": 4242},
        {"card_token": "tok_visa", "shipping_address_id": "1"},
        {"card_token": "tok_visa", "shipping_address_id": 0},
        {},
    ],
)
def test_wrong_types_at_checkout(shop: Shop, ada: Shopper, body: dict[str, Any]) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    before = db_counts()

    response = ada.client.post("/api/v1/checkout", body, format="json")

    assert_refused(response, 400, "validation_error", before)


def test_an_unknown_card_token_is_a_422(shop: Shop, ada: Shopper) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    before = db_counts()

    response = ada.client.post("/api/v1/checkout", {"card_token": "tok_unknown"}, format="json")

    assert_refused(response, 422, "unknown_card_token", before)


def test_an_unknown_product(shop: Shop, ada: Shopper) -> None:
    before = db_counts()

    response = ada.client.post(
        "/api/v1/cart/items", {"sku": "NO-SUCH-SKU", "quantity": 1}, format="json"
    )

    assert_refused(response, 404, "product_not_found", before)


@pytest.mark.parametrize("quantity", [0, -1, -100, 101])
def test_a_quantity_out_of_range(shop: Shop, ada: Shopper, quantity: int) -> None:
    before = db_counts()

    response = ada.client.post(
        "/api/v1/cart/items", {"sku": shop.first.sku, "quantity": quantity}, format="json"
    )

    assert_refused(response, 400, "validation_error", before)
    assert "quantity" in response.json()["error"]["details"]


def test_a_quantity_above_stock(shop: Shop, ada: Shopper) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.second.sku, "quantity": 1}, format="json")
    before = db_counts()

    adding = ada.client.post(
        "/api/v1/cart/items", {"sku": shop.second.sku, "quantity": 2}, format="json"
    )
    setting = ada.client.patch(
        f"/api/v1/cart/items/{shop.second.sku}", {"quantity": 3}, format="json"
    )

    assert_refused(adding, 409, "out_of_stock", before)
    assert adding.json()["error"]["details"] == {
        "sku": shop.second.sku,
        "requested": 3,
        "available": 2,
    }
    assert_refused(setting, 409, "out_of_stock", before)
    assert ada.client.get("/api/v1/cart").json()["lines"][0]["quantity"] == 1


def test_an_item_not_in_the_cart(shop: Shop, ada: Shopper) -> None:
    before = db_counts()

    patched = ada.client.patch(
        f"/api/v1/cart/items/{shop.first.sku}", {"quantity": 1}, format="json"
    )
    deleted = ada.client.delete(f"/api/v1/cart/items/{shop.first.sku}")

    assert_refused(patched, 404, "cart_item_not_found", before)
    assert_refused(deleted, 404, "cart_item_not_found", before)


def test_checking_out_an_empty_cart(shop: Shop, ada: Shopper) -> None:
    before = db_counts()

    response = ada.client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")

    assert_refused(response, 409, "cart_empty", before)


def test_shipping_to_another_customers_address(shop: Shop, ada: Shopper, bob: Shopper) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    before = db_counts()

    response = ada.client.post(
        "/api/v1/checkout",
        {"card_token": "tok_visa", "shipping_address_id": bob.address_id},
        format="json",
    )

    assert_refused(response, 404, "address_not_found", before)


def test_out_of_stock_at_checkout_writes_nothing(shop: Shop, ada: Shopper, bob: Shopper) -> None:
    for shopper in (ada, bob):
        shopper.client.post(
            "/api/v1/cart/items", {"sku": shop.second.sku, "quantity": 2}, format="json"
        )
    bob.client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")
    before = db_counts()

    response = ada.client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")

    assert_refused(response, 409, "out_of_stock", before)


def test_paying_someone_elses_order(shop: Shop, ada: Shopper, bob: Shopper) -> None:
    bob.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    declined = bob.client.post("/api/v1/checkout", {"card_token": "tok_declined"}, format="json")
    order_id = declined.json()["error"]["details"]["order_id"]
    before = db_counts()

    response = ada.client.post(
        "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
    )

    assert_refused(response, 404, "order_not_found", before)
    assert bob.client.get(f"/api/v1/orders/{order_id}").json()["status"] == "pending"


def test_reading_or_cancelling_someone_elses_order(shop: Shop, ada: Shopper, bob: Shopper) -> None:
    bob.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    order_id = bob.client.post(
        "/api/v1/checkout", {"card_token": "tok_visa"}, format="json"
    ).json()["id"]
    before = db_counts()

    read = ada.client.get(f"/api/v1/orders/{order_id}")
    cancel = ada.client.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json")

    assert_refused(read, 404, "order_not_found", before)
    assert_refused(cancel, 404, "order_not_found", before)
    assert ada.client.get("/api/v1/orders").json()["count"] == 0
    assert ada.client.get("/api/v1/cart").json()["lines"] == []


def _forged_token(subject: str) -> str:
    """Well-formed, with every claim right, but signed by a key that is not the shop's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "typ": "access",
        "iss": django_settings.JWT_ISSUER,
        "aud": django_settings.JWT_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": keys.key_id()})


def _unsigned_token(subject: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "typ": "access",
        "iss": django_settings.JWT_ISSUER,
        "aud": django_settings.JWT_AUDIENCE,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode(claims, "", algorithm="none")


@pytest.mark.parametrize("kind", ["expired", "forged", "unsigned", "refresh", "garbage"])
def test_a_bad_token_is_a_401_and_changes_nothing(
    shop: Shop, ada: Shopper, settings: Any, kind: str
) -> None:
    subject = str(ada.customer_id)
    if kind == "expired":
        settings.JWT_ACCESS_TTL = timedelta(seconds=-1)
        token = issue_pair(subject).access
    elif kind == "forged":
        token = _forged_token(subject)
    elif kind == "unsigned":
        token = _unsigned_token(subject)
    elif kind == "refresh":
        token = issue_pair(subject).refresh
    else:
        token = "not-a-jwt"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    before = db_counts()

    responses = [
        client.get("/api/v1/cart"),
        client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json"),
        client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json"),
        client.get("/api/v1/orders"),
    ]

    for response in responses:
        assert_refused(response, 401, "invalid_token", before)


def test_no_token_at_all(shop: Shop) -> None:
    before = db_counts()

    response = APIClient().post(
        "/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json"
    )

    assert_refused(response, 401, "not_authenticated", before)

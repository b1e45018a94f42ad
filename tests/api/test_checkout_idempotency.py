"""POST checkout honours Idempotency-Key with the real payments context."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.api.conftest import Shop, Shopper, error_of

pytestmark = pytest.mark.django_db


def payments_count() -> int:
    return apps.get_model("payments", "Payment")._default_manager.count()


def orders_count() -> int:
    return apps.get_model("orders", "Order")._default_manager.count()


def test_a_replayed_checkout_returns_the_first_order_and_charges_once(
    shop: Shop, ada: Shopper
) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    body = {"card_token": "tok_visa", "shipping_address_id": ada.address_id}

    first = ada.client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # The cart is empty now: without the key this would be a 409 cart_empty.
    again = ada.client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert (orders_count(), payments_count()) == (1, 1)


def test_a_replayed_declined_checkout_is_the_same_402(shop: Shop, ada: Shopper) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    body = {"card_token": "tok_declined"}

    first = ada.client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    again = ada.client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert error_of(first) == error_of(again) == (402, "payment_declined")
    assert again.json() == first.json()
    assert (orders_count(), payments_count()) == (1, 1)


def test_the_same_key_with_another_body_is_a_422(shop: Shop, ada: Shopper) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")
    ada.client.post(
        "/api/v1/checkout",
        {"card_token": "tok_declined"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )

    other = ada.client.post(
        "/api/v1/checkout", {"card_token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )

    assert error_of(other) == (422, "unprocessable")
    assert (orders_count(), payments_count()) == (1, 1)


def test_keys_belong_to_one_customer(shop: Shop, ada: Shopper, bob: Shopper) -> None:
    for shopper in (ada, bob):
        shopper.client.post(
            "/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json"
        )
        response = shopper.client.post(
            "/api/v1/checkout",
            {"card_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201

    assert (orders_count(), payments_count()) == (2, 2)

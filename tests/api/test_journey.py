"""The whole customer journey across the real contexts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest

from tests.api.conftest import Shop, Shopper, stock

CaptureCallbacks = Callable[..., AbstractContextManager[Any]]


@pytest.mark.django_db
def test_browse_fill_the_cart_check_out_read_the_history_and_cancel(
    shop: Shop, ada: Shopper, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    client = ada.client
    listed = client.get("/api/v1/products").json()
    assert shop.first.sku in [p["sku"] for p in listed["results"]]
    assert client.get(f"/api/v1/products/{shop.first.sku}").status_code == 200

    client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 2}, format="json")
    cart = client.post(
        "/api/v1/cart/items", {"sku": shop.second.sku, "quantity": 1}, format="json"
    ).json()
    expected_total = shop.first.price * 2 + shop.second.price
    assert Decimal(cart["total"]) == expected_total
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [
        (shop.first.sku, 2),
        (shop.second.sku, 1),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        checkout = client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")

    assert checkout.status_code == 201, checkout.content
    order = checkout.json()
    assert order["status"] == "paid"
    assert Decimal(order["total"]) == expected_total
    assert order["shipping_address"]["city"] == "Rotterdam"
    assert stock(client, shop.first.sku) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert stock(client, shop.second.sku) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert client.get("/api/v1/cart").json()["lines"] == []

    payments = client.get("/api/v1/payments").json()["results"]
    assert [(p["id"], p["status"]) for p in payments] == [(order["payment_id"], "approved")]
    history = client.get("/api/v1/orders").json()
    assert [o["id"] for o in history["results"]] == [order["id"]]
    assert client.get(f"/api/v1/orders/{order['id']}").json() == order

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(
            f"/api/v1/orders/{order['id']}/cancel", {"reason": "Ordered twice"}, format="json"
        )

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert stock(client, shop.first.sku)["on_hand"] == 5
    assert stock(client, shop.second.sku)["on_hand"] == 2
    refunded = client.get(f"/api/v1/payments/{order['payment_id']}").json()
    assert refunded["status"] == "refunded"
    again = client.post(f"/api/v1/orders/{order['id']}/cancel", {}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_order_transition")


@pytest.mark.django_db
def test_cancelling_a_pending_order_releases_its_stock(shop: Shop, ada: Shopper) -> None:
    client = ada.client
    client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 4}, format="json")
    declined = client.post("/api/v1/checkout", {"card_token": "tok_declined"}, format="json")
    order_id = declined.json()["error"]["details"]["order_id"]
    assert stock(client, shop.first.sku) == {"on_hand": 5, "reserved": 4, "available": 1}

    response = client.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json")

    assert response.json()["status"] == "cancelled"
    assert stock(client, shop.first.sku) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert client.get("/api/v1/payments").json()["results"][0]["status"] == "declined"

"""The orders HTTP API with every collaborator faked (the real journey is in tests/api)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from monolith.orders.models import Order
from monolith.orders.tests.fakes import FakeInventory, FakePayments
from monolith.orders.tests.helpers import counts

pytestmark = pytest.mark.django_db


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def test_the_cart_round_trip(world: FakeInventory, api: APIClient) -> None:
    assert api.get("/api/v1/cart").json() == {
        "lines": [],
        "item_count": 0,
        "total": "0.00",
        "currency": "EUR",
    }

    added = api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 2}, format="json")
    assert added.status_code == 201
    assert added.json()["lines"] == [
        {
            "sku": "MUG",
            "name": "Stoneware mug",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
            "is_available": True,
        }
    ]
    assert added.json()["total"] == "25.00"

    patched = api.patch("/api/v1/cart/items/MUG", {"quantity": 3}, format="json")
    assert patched.status_code == 200
    assert patched.json()["total"] == "37.50"

    assert api.delete("/api/v1/cart/items/MUG").status_code == 204
    assert api.delete("/api/v1/cart/items/MUG").status_code == 404
    api.post("/api/v1/cart/items", {"sku": "TEE", "quantity": 1}, format="json")
    assert api.delete("/api/v1/cart").status_code == 204
    assert api.get("/api/v1/cart").json()["lines"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "MUG", "quantity": 0}, "quantity"),
        ({"sku": "MUG", "quantity": -1}, "quantity"),
        ({"sku": "MUG", "quantity": 101}, "quantity"),
        ({"sku": "MUG", "quantity": "2"}, "quantity"),
        ({"sku": "MUG", "quantity": 1.5}, "quantity"),
        ({"sku": "MUG", "quantity": True}, "quantity"),
        ({"sku": 12, "quantity": 1}, "sku"),
        ({"sku": "MUG"}, "quantity"),
        ({"quantity": 1}, "sku"),
    ],
)
def test_bad_cart_input_is_a_validation_error_and_changes_nothing(
    world: FakeInventory, api: APIClient, body: dict[str, Any], field: str
) -> None:
    before = counts()

    response = api.post("/api/v1/cart/items", body, format="json")

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]
    assert counts() == before


def test_malformed_json_is_rejected(world: FakeInventory, api: APIClient) -> None:
    before = counts()

    response = api.post("/api/v1/cart/items", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"
    assert counts() == before


def test_the_api_requires_a_token(world: FakeInventory) -> None:
    for method, path in [("get", "/api/v1/cart"), ("post", "/api/v1/checkout")]:
        response = getattr(APIClient(), method)(path)
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/api/v1/cart/items", {"sku": "NOPE", "quantity": 1}, 404, "product_not_found"),
        ("post", "/api/v1/cart/items", {"sku": "TEE", "quantity": 4}, 409, "out_of_stock"),
        ("patch", "/api/v1/cart/items/TEE", {"quantity": 1}, 404, "cart_item_not_found"),
        ("post", "/api/v1/checkout", {"card_token": "tok_visa"}, 409, "cart_empty"),
        ("post", "/api/v1/checkout", {"card_token": "tok_fake"}, 422, "unknown_card_token"),
        (
            "post",
            "/api/v1/checkout",
            {"card_token": "tok_visa", "cart": 1},
            400,
            "validation_error",
        ),
        ("post", "/api/v1/checkout", {"card_token": 4242}, 400, "validation_error"),
        ("post", "/api/v1/checkout", {}, 400, "validation_error"),
        ("get", "/api/v1/orders/999", None, 404, "order_not_found"),
        ("post", "/api/v1/orders/999/cancel", {}, 404, "order_not_found"),
    ],
)
def test_refusals_have_their_code_and_change_nothing(
    world: FakeInventory,
    payments: FakePayments,
    api: APIClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    before = counts()

    response = getattr(api, method)(path, body, format="json")

    assert (response.status_code, error_code(response)) == (status, code)
    assert counts() == before
    assert payments.charges == []


def test_checkout_answers_201_with_the_paid_order(world: FakeInventory, api: APIClient) -> None:
    api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 2}, format="json")

    response = api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "paid"
    assert body["total"] == "25.00"
    assert body["lines"] == [
        {
            "sku": "MUG",
            "name": "Stoneware mug",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
        }
    ]
    assert body["shipping_address"] == {
        "full_name": "Customer 42",
        "line1": "1 Canal Street",
        "line2": "",
        "city": "Amsterdam",
        "postal_code": "1011 AB",
        "country": "NL",
    }
    assert body["payment_id"] is not None
    assert body["paid_at"] is not None
    assert api.get(f"/api/v1/orders/{body['id']}").json() == body


def test_a_declined_checkout_answers_402_with_the_pending_order_id(
    world: FakeInventory, api: APIClient
) -> None:
    api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 1}, format="json")

    response = api.post("/api/v1/checkout", {"card_token": "tok_declined"}, format="json")

    assert response.status_code == 402
    error = response.json()["error"]
    order = Order.objects.get()
    assert error["code"] == "payment_declined"
    assert error["details"]["order_id"] == order.pk
    assert error["details"]["reasons"] == ["card_declined"]
    assert isinstance(error["details"]["payment_id"], int)
    assert order.status == "pending"


def test_a_replayed_checkout_returns_the_first_answer_and_charges_once(
    world: FakeInventory, payments: FakePayments, api: APIClient
) -> None:
    api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 1}, format="json")
    key = "checkout-1"

    first = api.post(
        "/api/v1/checkout", {"card_token": "tok_declined"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = api.post(
        "/api/v1/checkout", {"card_token": "tok_declined"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    other = api.post(
        "/api/v1/checkout", {"card_token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert len(payments.charges) == 1
    assert Order.objects.count() == 1


def test_order_history_is_own_newest_first_and_paginated(
    world: FakeInventory, api: APIClient, other_api: APIClient
) -> None:
    for _ in range(3):
        api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 1}, format="json")
        api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")
    other_api.post("/api/v1/cart/items", {"sku": "TEE", "quantity": 1}, format="json")
    other_api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")

    page = api.get("/api/v1/orders?page_size=2").json()

    own = list(Order.objects.filter(customer_id=42).order_by("-id").values_list("id", flat=True))
    assert page["count"] == 3
    assert [order["id"] for order in page["results"]] == own[:2]
    assert page["next"] is not None


def test_another_customers_order_is_not_found(
    world: FakeInventory, api: APIClient, other_api: APIClient
) -> None:
    other_api.post("/api/v1/cart/items", {"sku": "TEE", "quantity": 1}, format="json")
    order_id = other_api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json").json()[
        "id"
    ]

    assert api.get(f"/api/v1/orders/{order_id}").status_code == 404
    cancel = api.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json")
    assert (cancel.status_code, error_code(cancel)) == (404, "order_not_found")
    assert Order.objects.get().status == "paid"


def test_cancel_then_cancel_again_is_a_conflict(
    world: FakeInventory, payments: FakePayments, api: APIClient
) -> None:
    api.post("/api/v1/cart/items", {"sku": "MUG", "quantity": 1}, format="json")
    order_id = api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json").json()["id"]

    cancelled = api.post(f"/api/v1/orders/{order_id}/cancel", {"reason": "Too late"}, format="json")
    again = api.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Too late"
    assert (again.status_code, error_code(again)) == (409, "invalid_order_transition")
    assert len(payments.refunds) == 1

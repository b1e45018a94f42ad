"""A declined checkout leaves a pending order that POST payments can pay later."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from monolith.orders.models import Order
from monolith.orders.tasks import expire_stale_orders
from tests.api.conftest import Shop, Shopper, db_counts, error_of, stock

CaptureCallbacks = Callable[..., AbstractContextManager[Any]]
pytestmark = pytest.mark.django_db


def declined_checkout(shopper: Shopper, sku: str, quantity: int) -> int:
    shopper.client.post("/api/v1/cart/items", {"sku": sku, "quantity": quantity}, format="json")
    response = shopper.client.post(
        "/api/v1/checkout", {"card_token": "tok_insufficient_funds"}, format="json"
    )
    assert error_of(response) == (402, "payment_declined")
    details = response.json()["error"]["details"]
    assert details["reasons"] == ["insufficient_funds"]
    assert isinstance(details["payment_id"], int)
    return int(details["order_id"])


def test_a_declined_checkout_keeps_the_order_pending_and_the_cart(shop: Shop, ada: Shopper) -> None:
    order_id = declined_checkout(ada, shop.first.sku, 2)

    order = ada.client.get(f"/api/v1/orders/{order_id}").json()
    assert order["status"] == "pending"
    assert order["reservation_expires_at"] is not None
    assert stock(ada.client, shop.first.sku) == {"on_hand": 5, "reserved": 2, "available": 3}
    assert [line["sku"] for line in ada.client.get("/api/v1/cart").json()["lines"]] == [
        shop.first.sku
    ]
    assert len(mail.outbox) == 0


def test_paying_the_pending_order_with_a_good_card_pays_and_commits_once(
    shop: Shop, ada: Shopper, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    order_id = declined_checkout(ada, shop.first.sku, 2)

    with django_capture_on_commit_callbacks(execute=True):
        paid = ada.client.post(
            "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
        )

    assert paid.status_code == 201, paid.content
    order = ada.client.get(f"/api/v1/orders/{order_id}").json()
    assert order["status"] == "paid"
    assert order["payment_id"] == paid.json()["id"]
    assert stock(ada.client, shop.first.sku) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert ada.client.get("/api/v1/cart").json()["lines"] == []

    again = ada.client.post(
        "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
    )
    assert error_of(again) == (409, "order_not_payable")


def test_an_expired_pending_order_cannot_be_paid_and_the_sweep_cancels_it(
    shop: Shop, ada: Shopper
) -> None:
    order_id = declined_checkout(ada, shop.first.sku, 2)
    Order.objects.filter(pk=order_id).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = db_counts()

    late = ada.client.post(
        "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
    )

    assert error_of(late) == (409, "order_not_payable")
    assert db_counts() == before

    assert expire_stale_orders.delay().get() == 1
    assert ada.client.get(f"/api/v1/orders/{order_id}").json()["status"] == "cancelled"
    assert stock(ada.client, shop.first.sku) == {"on_hand": 5, "reserved": 0, "available": 5}

"""Stages 0 and 1: the monolith's own notifications, in process, seen through the public API.

A placed order mails its customer ("order received"), its payment once more, its
cancellation again, and ``/api/v1/notifications`` lists what was sent. Retired at stage 2 with
the notifications app (``Stage.retires``): from there the extracted service's tests and the
e2e journeys cover it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail

from monolith.orders.in_process_notifications import InProcessNotifications
from monolith.orders.wiring import EVENTS
from strangler.composition import root
from tests.api.conftest import Shop, Shopper, error_of

CaptureCallbacks = Callable[..., AbstractContextManager[Any]]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_process() -> Iterator[None]:
    """The adapter of stages 0 and 1, whatever the tree's latest stage is."""
    with root.replaced(EVENTS, InProcessNotifications()):
        yield


def test_a_paid_order_mails_when_received_and_paid_and_its_cancellation_mails_again(
    shop: Shop, ada: Shopper, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    client = ada.client
    client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 1}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        order = client.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json").json()

    assert [m.to for m in mail.outbox] == [[ada.email], [ada.email]]
    assert [m.subject for m in mail.outbox] == [
        f"We have received your order #{order['id']}",
        f"Your order #{order['id']} is confirmed",
    ]
    listed = client.get("/api/v1/notifications").json()["results"]
    assert [(n["order_id"], n["kind"], n["status"]) for n in listed] == [
        (order["id"], "order_paid", "sent"),
        (order["id"], "order_received", "sent"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/orders/{order['id']}/cancel", {}, format="json")

    assert len(mail.outbox) == 3
    assert len(client.get("/api/v1/notifications").json()["results"]) == 3


def test_a_declined_order_is_received_and_paying_it_later_mails_once(
    shop: Shop, ada: Shopper, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    ada.client.post("/api/v1/cart/items", {"sku": shop.first.sku, "quantity": 2}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        declined = ada.client.post(
            "/api/v1/checkout", {"card_token": "tok_insufficient_funds"}, format="json"
        )
    assert error_of(declined) == (402, "payment_declined")
    order_id = declined.json()["error"]["details"]["order_id"]
    [received] = mail.outbox
    assert received.subject == f"We have received your order #{order_id}"

    with django_capture_on_commit_callbacks(execute=True):
        paid = ada.client.post(
            "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
        )

    assert paid.status_code == 201, paid.content
    [message] = mail.outbox[1:]
    assert message.subject == f"Your order #{order_id} is confirmed"

"""Order summary composition against the monolith's real endpoints, in process: the handler
meets their shapes and their per-customer scoping.

Here, outside the gateway package, because the gateway may not import the monolith (its tests
included); the gateway's own composition tests use scripted upstreams.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.apps import apps
from django.db import connections
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from gateway.composition import order_summary
from gateway.handlers import HandlerRequest, HandlerResponse, UpstreamReply
from monolith.catalog import interface as catalog
from monolith.inventory import interface as inventory
from monolith.orders.wiring import EVENTS
from strangler.composition import root

OPTIONS = {
    "upstreams": {"orders": "orders-svc", "payments": "payments-svc", "notifications": "notif"},
    "part_timeout": 2.0,
}


class MonolithInProcess:
    """The Upstreams port answered by the monolith's own views (Django's test client), so the
    handler meets the real endpoints, their shapes and their per-customer scoping."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def request(
        self,
        upstream: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> UpstreamReply:
        self.paths.append(path)
        meta: dict[str, Any] = {
            "HTTP_" + name.decode().upper().replace("-", "_"): value.decode()
            for name, value in headers
        }
        try:
            response = APIClient().generic(method, path, **meta)
        finally:
            connections.close_all()  # the event loop's context opened connections of its own
        return UpstreamReply(
            status=response.status_code,
            headers=[(k.lower().encode(), v.encode()) for k, v in response.items()],
            body=response.content,
        )

    def pick_address(self, upstream: str) -> str:
        raise AssertionError("composition speaks HTTP only")


def _shopper(email: str) -> str:
    client = APIClient()
    registered = client.post(
        "/api/v1/auth/register",
        {"email": email, "password": "a-long-test-password-7", "full_name": "Ada"},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    token: str = registered.json()["tokens"]["access"]
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    address = {
        "full_name": "Ada",
        "line1": "12 Coolsingel",
        "city": "Rotterdam",
        "postal_code": "3011 AD",
        "country": "NL",
        "is_default": True,
    }
    assert client.post("/api/v1/me/addresses", address, format="json").status_code == 201
    return token


def _order(token: str, sku: str, card_token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    added = client.post("/api/v1/cart/items", {"sku": sku, "quantity": 1}, format="json")
    assert added.status_code in (200, 201), added.content
    checkout = client.post("/api/v1/checkout", {"card_token": card_token}, format="json")
    assert checkout.status_code in (201, 402), checkout.content
    orders = client.get("/api/v1/orders").json()["results"]
    return int(orders[0]["id"])


def _pay(token: str, order_id: int) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    paid = client.post(
        "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, format="json"
    )
    assert paid.status_code == 201, paid.content


def _summary_of(order_id: int, token: str) -> tuple[HandlerResponse, Any]:
    request = HandlerRequest(
        method="GET",
        path=f"/api/v1/orders/{order_id}/summary",
        query="",
        path_params={"order_id": str(order_id)},
        headers=((b"authorization", b"Bearer " + token.encode()), (b"x-request-id", b"r")),
        body=b"",
        identity=None,
        request_id="r",
    )
    response = asyncio.run(order_summary(request, MonolithInProcess(), OPTIONS))
    return response, json.loads(response.body)


# Whether the monolith serves the summary's notifications part: stages 0 and 1 (at stage 2 the
# gateway sends it to the extracted service, and the monolith's notifications are retired).
MONOLITH_NOTIFIES = apps.is_installed("monolith.notifications")
IN_PROCESS = "monolith.orders.in_process_notifications.InProcessNotifications"


@pytest.fixture
def monolith_shop(
    transactional_db: None,
    monkeypatch: pytest.MonkeyPatch,
    in_process_inventory: None,
    in_process_payments: None,
    in_process_credentials: None,
) -> Iterator[list[str]]:
    """Two SKUs in stock. The handler's event loop runs in a context of its own, where Django
    opens another database connection: the data must be committed for it to see. Orders
    notifies in process while the monolith holds notifications."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    skus = [p.sku for p in catalog.seed_demo_catalog() if p.is_active][:2]
    for sku in skus:
        inventory.set_stock(sku=sku, on_hand=10)
    if not MONOLITH_NOTIFIES:
        yield skus
        return
    with root.replaced(EVENTS, import_string(IN_PROCESS)()):
        yield skus


def test_a_summary_from_the_monoliths_real_endpoints(monolith_shop: list[str]) -> None:
    ada = _shopper("ada@example.com")
    first = _order(ada, monolith_shop[0], "tok_declined")  # declined, then paid
    _pay(ada, first)
    second = _order(ada, monolith_shop[1], "tok_visa")

    response, body = _summary_of(first, ada)

    assert response.status == 200, body
    assert body["order"]["id"] == first
    assert body["order"]["status"] == "paid"
    assert body["payment"]["order_id"] == first
    assert body["payment"]["status"] == "approved"
    assert body["payment"]["id"] == body["order"]["payment_id"]
    if MONOLITH_NOTIFIES:
        assert body["notifications"], "the paid order's confirmation"
        assert {n["order_id"] for n in body["notifications"]} == {first}
        assert (body["partial"], body["missing"]) == (False, [])
    else:  # the monolith has no notifications endpoint any more: that part is missing
        assert body["partial"] is True
        assert body["missing"] == [{"part": "notifications", "reason": "error"}]
    assert _summary_of(second, ada)[1]["payment"]["order_id"] == second


def test_another_customers_order_is_a_404_and_shows_nothing(monolith_shop: list[str]) -> None:
    ada = _shopper("ada@example.com")
    order_id = _order(ada, monolith_shop[0], "tok_visa")
    bob = _shopper("bob@example.com")

    response, body = _summary_of(order_id, bob)

    assert response.status == 404
    assert body["error"]["code"] == "order_not_found"

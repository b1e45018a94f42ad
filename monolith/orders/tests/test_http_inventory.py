"""HttpInventory against a real HTTP server on loopback, and a checkout with inventory down."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from monolith.orders import services
from monolith.orders.http_inventory import HttpInventory, InventoryRefused
from monolith.orders.outbox.models import OutboxMessage
from monolith.orders.ports import OutOfStock, StockLine
from monolith.orders.tests.fakes import FakeCatalog, FakeCustomers, FakeInventory, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, counts
from monolith.orders.wiring import EVENTS, INVENTORY
from strangler.composition import resolve, root
from strangler.http.testing import Reply, closed_port_url, scripted_server

PAY_BY = datetime(2030, 1, 1, tzinfo=UTC)  # the service holds for its own period
TIMEOUT = 0.5
MARGIN = 1.5
RESERVATION = {
    "order_id": 41,
    "status": "active",
    "expires_at": "2026-12-02T10:15:00+00:00",
    "lines": [{"sku": "MUG", "quantity": 2}],
}


def out_of_stock(sku: str, requested: int, available: int) -> dict[str, object]:
    details = {"sku": sku, "requested": requested, "available": available}
    return {"error": {"code": "out_of_stock", "message": f"{sku}: too few.", "details": details}}


def test_available_reads_the_service() -> None:
    body = {"sku": "MUG", "on_hand": 7, "reserved": 2, "available": 5}
    with scripted_server(Reply(200, body)) as server:
        assert HttpInventory(server.url, TIMEOUT).available("MUG") == 5
    assert [(r.method, r.path) for r in server.received] == [("GET", "/api/v1/inventory/MUG")]


def test_an_unknown_sku_has_nothing_available() -> None:
    body = {"error": {"code": "sku_not_found", "message": "No stock.", "details": {}}}
    with scripted_server(Reply(404, body)) as server:
        assert HttpInventory(server.url, TIMEOUT).available("NOPE/1") == 0
    assert server.received[0].path == "/api/v1/inventory/NOPE%2F1"


def test_reserve_puts_the_order_s_lines_and_returns_the_expiry() -> None:
    with scripted_server(Reply(201, RESERVATION)) as server:
        expires = HttpInventory(server.url, TIMEOUT).reserve(
            order_id=41, lines=[StockLine("MUG", 2)], hold_until=PAY_BY
        )
    assert expires == datetime(2026, 12, 2, 10, 15, tzinfo=UTC)
    [put] = server.received
    assert (put.method, put.path, put.body) == (
        "PUT",
        "/internal/v1/reservations/41",
        {"lines": [{"sku": "MUG", "quantity": 2}]},
    )


def test_reserve_is_retried_after_a_503_and_the_repeat_is_answered_200() -> None:
    with scripted_server(Reply(503), Reply(200, RESERVATION)) as server:
        HttpInventory(server.url, TIMEOUT).reserve(
            order_id=41, lines=[StockLine("MUG", 2)], hold_until=PAY_BY
        )
    assert [r.method for r in server.received] == ["PUT", "PUT"]


def test_out_of_stock_carries_the_service_s_details() -> None:
    reply = Reply(409, out_of_stock("TEE", 3, 1))
    with scripted_server(reply) as server, pytest.raises(OutOfStock) as raised:
        HttpInventory(server.url, TIMEOUT).reserve(
            order_id=43, lines=[StockLine("TEE", 3)], hold_until=PAY_BY
        )
    assert raised.value.details == {"sku": "TEE", "requested": 3, "available": 1}
    assert raised.value.http_status == 409


@pytest.mark.parametrize(
    ("status", "code"), [(409, "reservation_exists"), (400, "validation_error"), (404, "")]
)
def test_any_other_refusal_is_a_clear_error(status: int, code: str) -> None:
    body = {"error": {"code": code, "message": "no", "details": {}}} if code else None
    with scripted_server(Reply(status, body)) as server, pytest.raises(InventoryRefused) as raised:
        HttpInventory(server.url, TIMEOUT).reserve(
            order_id=9, lines=[StockLine("MUG", 1)], hold_until=PAY_BY
        )
    assert raised.value.details == {"status": status, "code": code}
    assert raised.value.code == "inventory_refused"


def test_commit_release_and_restock_send_nothing() -> None:
    with scripted_server() as server:
        inventory = HttpInventory(server.url, TIMEOUT)
        inventory.commit(order_id=1)
        inventory.release(order_id=1)
        inventory.restock(order_id=1)
    assert server.received == []


@override_settings(INVENTORY_SERVICE_URL="http://inventory.test:9", INVENTORY_TIMEOUT=0.75)
def test_the_settings_give_the_url_and_the_timeout() -> None:
    client = HttpInventory().client
    assert (client.base_url, client.timeout) == ("http://inventory.test:9", (0.75, 0.75))


@pytest.fixture
def shop(
    inventory: FakeInventory, payments: FakePayments, catalog: FakeCatalog, customers: FakeCustomers
) -> FakePayments:
    """The other contexts faked, orders' events through the stage's own adapter (the outbox)."""
    inventory.on_hand.update({"MUG": 10})
    return payments


def _down_checkout(
    api: APIClient, url: str, *, key: str = ""
) -> tuple[int, dict[str, object], float]:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=2)
    with (
        override_settings(INVENTORY_SERVICE_URL=url, INVENTORY_TIMEOUT=TIMEOUT),
        root.replaced(INVENTORY, HttpInventory()),
    ):
        started = time.monotonic()
        headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        response = api.post(
            "/api/v1/checkout", {"card_token": "tok_visa"}, format="json", **headers
        )
        elapsed = time.monotonic() - started
    return response.status_code, response.json(), elapsed


def test_the_outbox_is_behind_the_events_port() -> None:
    assert type(root.get(EVENTS)).__module__ == "monolith.orders.outbox.adapters"


@pytest.mark.django_db
def test_inventory_refusing_connections_at_checkout_answers_503_and_leaves_no_order(
    shop: FakePayments, api: APIClient
) -> None:
    before = counts()
    status, body, elapsed = _down_checkout(api, closed_port_url())
    assert status == 503
    assert body["error"]["code"] == "service_unavailable"  # type: ignore[index]
    assert body["error"]["details"] == {"service": "inventory"}  # type: ignore[index]
    assert elapsed < TIMEOUT + MARGIN
    assert counts() == {**before, "carts": 1, "cart_items": 1}
    assert shop.charges == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_inventory_never_answering_at_checkout_answers_503_within_the_timeout(
    shop: FakePayments, api: APIClient
) -> None:
    with scripted_server(Reply(200, hang=True)) as server:
        status, body, elapsed = _down_checkout(api, server.url)
    assert status == 503
    assert body["error"]["code"] == "service_unavailable"  # type: ignore[index]
    assert "did not answer in time" in body["error"]["message"]  # type: ignore[index]
    assert elapsed < TIMEOUT + MARGIN
    assert len(server.received) == 1  # a timed-out reservation is not sent again
    assert counts()["orders"] == 0
    assert counts()["order_lines"] == 0
    assert shop.charges == []
    assert not OutboxMessage.objects.exists()


def test_the_stage_setting_names_an_adapter_the_check_accepts() -> None:
    path = "monolith.orders.http_inventory.HttpInventory"
    with override_settings(ORDERS_INVENTORY_ADAPTER=path):
        assert resolve(INVENTORY, settings) is HttpInventory


@pytest.mark.django_db
def test_the_same_idempotency_key_checks_out_once_inventory_is_back(
    shop: FakePayments, api: APIClient
) -> None:
    status, _, _ = _down_checkout(api, closed_port_url(), key="checkout-503")
    assert status == 503

    retried = api.post(
        "/api/v1/checkout",
        {"card_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="checkout-503",
    )

    assert retried.status_code == 201
    assert retried.json()["status"] == "paid"
    assert counts()["orders"] == 1


@pytest.mark.django_db
def test_once_the_circuit_is_open_a_checkout_is_refused_without_calling_inventory(
    shop: FakePayments, api: APIClient
) -> None:
    with scripted_server(Reply(500, {"error": {}})) as server:
        inventory = HttpInventory(server.url, TIMEOUT)
        services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=2)
        # read on every failure, not when the adapter was built
        with root.replaced(INVENTORY, inventory), override_settings(INVENTORY_BREAKER_FAILURES=1):
            failed, refused = (
                api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")
                for _ in range(2)
            )
    assert failed.status_code == refused.status_code == 503
    assert "answered 500" in failed.json()["error"]["message"]
    assert refused.json()["error"]["details"] == {
        "service": "inventory",
        "circuit": "open",
        "retry_after": 10,
    }
    assert len(server.received) == 1  # the first reservation (a 500 is not retried), then none
    assert counts()["orders"] == 0
    assert counts()["cart_items"] == 1
    assert shop.charges == []

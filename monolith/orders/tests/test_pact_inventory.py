"""The inventory service's consumer-driven contract, as orders' HttpInventory needs it: stock
of a SKU, and reserving an order's lines (first time, repeated, out of stock), stated with Pact.

The real adapter, with the kit's real HTTP client, calls Pact's mock server; every stated
interaction must be called and every call must be stated. The pact this writes is the
committed strangler/contracts/pacts/monolith-orders-inventory.json (PACT_WRITE=1 rewrites it),
which the inventory service's suite verifies against itself, setting up each provider state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from monolith.orders.http_inventory import HttpInventory
from monolith.orders.ports import OutOfStock, StockLine
from strangler.contracts.pact import assert_committed

CONSUMER, PROVIDER = "monolith-orders", "inventory"
STOCKED = "SKU PACT-1 has 5 available"
NOT_STOCKED = "SKU PACT-404 is not stocked"
HELD = "order 42 holds 2 x PACT-1"
SCARCE = "SKU PACT-2 has 1 available"
ISO_8601 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"
PAY_BY = datetime(2030, 1, 1, tzinfo=UTC)  # the service holds for its own period
TIMEOUT = 5.0


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where this module's tests write the pact (merged); compared with the committed one once
    all have run."""
    folder = tmp_path_factory.mktemp("pacts")
    yield folder
    assert_committed(folder, CONSUMER, PROVIDER)


def _pact() -> Pact:
    return Pact(CONSUMER, PROVIDER).with_specification("V4")


def _error(code: str, details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": match.str("Refused."), "details": details}}


def _reservation(order_id: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "status": "active",
        "expires_at": match.regex("2026-12-02T10:15:00Z", regex=ISO_8601),
        "lines": [{"sku": "PACT-1", "quantity": 2}],
    }


def _reserve(pact: Pact, state: str, order_id: int, sku: str, quantity: int) -> Any:
    return (
        pact.upon_receiving(f"a reservation of {quantity} x {sku} for order {order_id}")
        .given(state)
        .with_request("PUT", f"/internal/v1/reservations/{order_id}")
        .with_body({"lines": [{"sku": sku, "quantity": quantity}]}, content_type="application/json")
    )


def test_the_availability_of_a_stocked_sku(written: Path) -> None:
    pact = _pact()
    (
        pact.upon_receiving("a request for the stock of a stocked SKU")
        .given(STOCKED)
        .with_request("GET", "/api/v1/inventory/PACT-1")
        .will_respond_with(200)
        .with_body(
            {
                "sku": "PACT-1",
                "on_hand": match.int(5),
                "reserved": match.int(0),
                "available": match.int(5),
            },
            content_type="application/json",
        )
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpInventory(str(server.url), TIMEOUT).available("PACT-1") == 5
    pact.write_file(written)


def test_an_unknown_sku_has_nothing_available(written: Path) -> None:
    pact = _pact()
    (
        pact.upon_receiving("a request for the stock of a SKU that is not stocked")
        .given(NOT_STOCKED)
        .with_request("GET", "/api/v1/inventory/PACT-404")
        .will_respond_with(404)
        .with_body(_error("sku_not_found", match.like({})), content_type="application/json")
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpInventory(str(server.url), TIMEOUT).available("PACT-404") == 0
    pact.write_file(written)


def test_a_first_reservation_is_created(written: Path) -> None:
    pact = _pact()
    _reserve(pact, STOCKED, 41, "PACT-1", 2).will_respond_with(201).with_body(
        _reservation(41), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        expires = HttpInventory(str(server.url), TIMEOUT).reserve(
            order_id=41, lines=[StockLine("PACT-1", 2)], hold_until=PAY_BY
        )
    assert isinstance(expires, datetime)
    assert expires.tzinfo is not None
    pact.write_file(written)


def test_a_repeated_reservation_answers_the_same_one(written: Path) -> None:
    pact = _pact()
    _reserve(pact, HELD, 42, "PACT-1", 2).will_respond_with(200).with_body(
        _reservation(42), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        expires = HttpInventory(str(server.url), TIMEOUT).reserve(
            order_id=42, lines=[StockLine("PACT-1", 2)], hold_until=PAY_BY
        )
    assert expires.tzinfo is not None
    pact.write_file(written)


def test_a_reservation_beyond_the_stock_is_refused_with_the_details(written: Path) -> None:
    pact = _pact()
    details = {"sku": "PACT-2", "requested": 3, "available": 1}
    _reserve(pact, SCARCE, 43, "PACT-2", 3).will_respond_with(409).with_body(
        _error("out_of_stock", details), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server, pytest.raises(OutOfStock) as raised:
        HttpInventory(str(server.url), TIMEOUT).reserve(
            order_id=43, lines=[StockLine("PACT-2", 3)], hold_until=PAY_BY
        )
    assert raised.value.details == details
    pact.write_file(written)

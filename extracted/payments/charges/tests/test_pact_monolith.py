"""The monolith's internal order book, as the payments service's HttpOrderBook needs it: a
pending order read and confirmed, a cancelled one read and refused, an unknown one, stated with
Pact (contract B of stage 4).

The real adapter, with the kit's real HTTP client, calls Pact's mock server; every stated
interaction must be called and every call must be stated. The pact this writes is the
committed strangler/contracts/pacts/payments-monolith.json (PACT_WRITE=1 rewrites it), which
the monolith's suite verifies against itself, setting up each provider state.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from extracted.payments.charges.errors import OrderNotFound, OrderNotPayable
from extracted.payments.charges.http_order_book import HttpOrderBook
from extracted.payments.charges.ports import PayableOrder
from strangler.contracts.pact import CUSTOMER_ID, assert_committed

CONSUMER, PROVIDER = "payments", "monolith"
PENDING = f"customer {CUSTOMER_ID} has pending order 41 of 25.00 EUR"
CANCELLED = f"customer {CUSTOMER_ID} has cancelled order 43"
NO_ORDER = "no order 404 exists"
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


def _error(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": match.str("Refused."), "details": match.like({})}}


def _read(pact: Pact, description: str, state: str, order_id: int) -> Any:
    return (
        pact.upon_receiving(description)
        .given(state)
        .with_request("GET", f"/internal/v1/orders/{order_id}")
        .with_query_parameter("customer_id", str(CUSTOMER_ID))
    )


def _confirm(pact: Pact, description: str, state: str, order_id: int, payment_id: int) -> Any:
    return (
        pact.upon_receiving(description)
        .given(state)
        .with_request("PUT", f"/internal/v1/orders/{order_id}/payment")
        .with_body({"payment_id": payment_id}, content_type="application/json")
    )


def _order(order_id: int, status: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": CUSTOMER_ID,
        "status": status,
        "total": match.regex("25.00", regex=r"^[0-9]+\.[0-9]{2}$"),
        "currency": match.regex("EUR", regex=r"^[A-Z]{3}$"),
    }


def test_a_pending_order_is_read(written: Path) -> None:
    pact = _pact()
    _read(pact, "a read of a customer's pending order", PENDING, 41).will_respond_with(
        200
    ).with_body(_order(41, "pending"), content_type="application/json")
    with pact.serve(addr="127.0.0.1") as server:
        order = HttpOrderBook(str(server.url), TIMEOUT).get_payable_order(
            order_id=41, customer_id=CUSTOMER_ID
        )
    assert order == PayableOrder(
        order_id=41,
        customer_id=CUSTOMER_ID,
        status="pending",
        total=Decimal("25.00"),
        currency="EUR",
    )
    pact.write_file(written)


def test_a_pending_order_is_confirmed_paid(written: Path) -> None:
    pact = _pact()
    paid = {"order_id": 41, "status": "paid", "payment_id": 7}
    _confirm(pact, "a payment of a pending order", PENDING, 41, 7).will_respond_with(200).with_body(
        paid, content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        HttpOrderBook(str(server.url), TIMEOUT).confirm_payment(order_id=41, payment_id=7)
    pact.write_file(written)


def test_a_cancelled_order_is_read_with_its_status(written: Path) -> None:
    pact = _pact()
    _read(pact, "a read of a customer's cancelled order", CANCELLED, 43).will_respond_with(
        200
    ).with_body(_order(43, "cancelled"), content_type="application/json")
    with pact.serve(addr="127.0.0.1") as server:
        order = HttpOrderBook(str(server.url), TIMEOUT).get_payable_order(
            order_id=43, customer_id=CUSTOMER_ID
        )
    assert order.status == "cancelled"
    pact.write_file(written)


def test_a_payment_of_a_cancelled_order_is_refused(written: Path) -> None:
    pact = _pact()
    _confirm(pact, "a payment of a cancelled order", CANCELLED, 43, 8).will_respond_with(
        409
    ).with_body(_error("order_not_payable"), content_type="application/json")
    with pact.serve(addr="127.0.0.1") as server, pytest.raises(OrderNotPayable):
        HttpOrderBook(str(server.url), TIMEOUT).confirm_payment(order_id=43, payment_id=8)
    pact.write_file(written)


def test_an_unknown_order_is_not_found(written: Path) -> None:
    pact = _pact()
    _read(pact, "a read of an order that does not exist", NO_ORDER, 404).will_respond_with(
        404
    ).with_body(_error("order_not_found"), content_type="application/json")
    with pact.serve(addr="127.0.0.1") as server, pytest.raises(OrderNotFound):
        HttpOrderBook(str(server.url), TIMEOUT).get_payable_order(
            order_id=404, customer_id=CUSTOMER_ID
        )
    pact.write_file(written)

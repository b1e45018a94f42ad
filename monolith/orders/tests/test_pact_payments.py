"""The payments service's consumer-driven contract, as orders' HttpPayments needs it: a card
token known or not, a charge approved or declined, a refund made or with nothing to refund,
stated with Pact (stage 4: the card check, the charge, the refund).

The real adapter, with the kit's real HTTP client, calls Pact's mock server; every stated
interaction must be called and every call must be stated. The pact this writes is the
committed strangler/contracts/pacts/monolith-orders-payments.json (PACT_WRITE=1 rewrites it),
which the payments service's suite verifies against itself, setting up each provider state
(with a fraud port that approves).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from monolith.orders.http_payments import HttpPayments
from monolith.orders.ports import ChargeResult, RefundResult
from strangler.contracts.pact import CUSTOMER_ID, assert_committed

CONSUMER, PROVIDER = "monolith-orders", "payments"
KNOWS_VISA = "the card processor knows tok_visa"
UNPAID = "order 41 has no payment"
PAID = "order 41 was paid with payment 7, 25.00 EUR"
NOT_PAID = "order 44 has no approved payment"
REASON = "The payment could not be processed."
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


def _card_token(pact: Pact, card_token: str) -> Any:
    return (
        pact.upon_receiving(f"a request for the card token {card_token}")
        .given(KNOWS_VISA)
        .with_request("GET", f"/internal/v1/card-tokens/{card_token}")
    )


def _charge(pact: Pact, card_token: str) -> Any:
    return (
        pact.upon_receiving(f"a charge of order 41's 25.00 EUR to {card_token}")
        .given(UNPAID)
        .with_request("POST", "/internal/v1/charges")
        .with_header("Idempotency-Key", "order-41-checkout")
        .with_body(
            {
                "order_id": 41,
                "customer_id": CUSTOMER_ID,
                "amount": "25.00",
                "currency": "EUR",
                "card_token": card_token,
            },
            content_type="application/json",
        )
    )


def _charged(status: str, reasons: list[str]) -> dict[str, Any]:
    return {
        "payment_id": match.int(7),
        "order_id": 41,
        "status": status,
        "amount": "25.00",
        "currency": "EUR",
        "decline_reasons": reasons,
    }


def _refund(pact: Pact, state: str, order_id: int) -> Any:
    return (
        pact.upon_receiving(f"a refund of order {order_id}")
        .given(state)
        .with_request("PUT", f"/internal/v1/refunds/{order_id}")
        .with_body({"reason": REASON}, content_type="application/json")
    )


def _charge_order_41(server_url: str, card_token: str) -> ChargeResult:
    return HttpPayments(server_url, TIMEOUT).charge(
        order_id=41,
        customer_id=CUSTOMER_ID,
        amount=Decimal("25.00"),
        currency="EUR",
        card_token=card_token,
    )


def test_a_known_card_token_is_accepted(written: Path) -> None:
    pact = _pact()
    _card_token(pact, "tok_visa").will_respond_with(200).with_body(
        {"card_token": "tok_visa", "brand": match.str("visa"), "last4": match.str("4242")},
        content_type="application/json",
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpPayments(str(server.url), TIMEOUT).accepts_card_token("tok_visa") is True
    pact.write_file(written)


def test_an_unknown_card_token_is_refused(written: Path) -> None:
    pact = _pact()
    _card_token(pact, "tok_unknown").will_respond_with(404).with_body(
        _error("unknown_card_token"), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpPayments(str(server.url), TIMEOUT).accepts_card_token("tok_unknown") is False
    pact.write_file(written)


def test_an_approved_charge(written: Path) -> None:
    pact = _pact()
    _charge(pact, "tok_visa").will_respond_with(201).with_body(
        _charged("approved", []), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        result = _charge_order_41(str(server.url), "tok_visa")
    assert result.approved
    assert result.decline_reasons == ()
    pact.write_file(written)


def test_a_declined_charge_is_an_answer(written: Path) -> None:
    pact = _pact()
    _charge(pact, "tok_declined").will_respond_with(201).with_body(
        _charged("declined", ["card_declined"]), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        result = _charge_order_41(str(server.url), "tok_declined")
    assert not result.approved
    assert result.decline_reasons == ("card_declined",)
    pact.write_file(written)


def test_a_paid_order_is_refunded(written: Path) -> None:
    pact = _pact()
    _refund(pact, PAID, 41).will_respond_with(200).with_body(
        {
            "payment_id": match.int(7),
            "order_id": 41,
            "status": "refunded",
            "amount": "25.00",
            "currency": "EUR",
        },
        content_type="application/json",
    )
    with pact.serve(addr="127.0.0.1") as server:
        result = HttpPayments(str(server.url), TIMEOUT).refund(order_id=41, reason=REASON)
    assert result == RefundResult(payment_id=7, amount=Decimal("25.00"), currency="EUR")
    pact.write_file(written)


def test_an_order_without_an_approved_payment_has_nothing_to_refund(written: Path) -> None:
    pact = _pact()
    _refund(pact, NOT_PAID, 44).will_respond_with(404).with_body(
        _error("payment_not_found"), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpPayments(str(server.url), TIMEOUT).refund(order_id=44, reason=REASON) is None
    pact.write_file(written)

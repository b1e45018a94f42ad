"""The fraud service's consumer-driven contract, as the payments service's HttpFraud needs it:
an attempt assessed (approved, declined over the limit) and the same attempt asked again,
stated with Pact.

The real adapter, with the kit's real HTTP client, calls Pact's mock server; every stated
interaction must be called and every call must be stated. The pact this writes is the
committed strangler/contracts/pacts/payments-fraud.json (PACT_WRITE=1 rewrites it),
which the fraud service's suite verifies against itself, setting up each provider state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from extracted.payments.charges.http_fraud import HttpFraud
from extracted.payments.charges.ports import ChargeAttempt
from strangler.contracts.pact import assert_committed

CONSUMER, PROVIDER = "payments", "fraud"
NEW_CUSTOMER = "customer 42 has made no attempt"
ASSESSED = "attempt order-41-attempt-1 of customer 42 was assessed for 25.00 EUR"
ISO_8601 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"
TIMEOUT = 5.0
ATTEMPT = ChargeAttempt(
    reference="order-41-attempt-1",
    customer_id=42,
    order_id=41,
    amount=Decimal("25.00"),
    currency="EUR",
    attempts_in_window=0,
    order_declines=0,
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where this module's tests write the pact (merged); compared with the committed one once
    all have run."""
    folder = tmp_path_factory.mktemp("pacts")
    yield folder
    assert_committed(folder, CONSUMER, PROVIDER)


def _assess(pact: Pact, description: str, state: str, attempt: ChargeAttempt) -> Any:
    return (
        pact.upon_receiving(description)
        .given(state)
        .with_request("POST", "/internal/v1/assessments")
        .with_header("Idempotency-Key", attempt.reference)
        .with_body(
            {
                "customer_id": attempt.customer_id,
                "order_id": attempt.order_id,
                "amount": str(attempt.amount),
                "currency": attempt.currency,
                "order_declines": attempt.order_declines,
            },
            content_type="application/json",
        )
    )


def _assessment(attempt: ChargeAttempt, decision: str, reasons: list[str]) -> dict[str, Any]:
    return {
        "id": match.int(1),
        "attempt_key": attempt.reference,
        "customer_id": attempt.customer_id,
        "order_id": attempt.order_id,
        "amount": str(attempt.amount),
        "currency": attempt.currency,
        "order_declines": attempt.order_declines,
        "attempts_in_window": match.int(0),
        "decision": decision,
        "reasons": reasons,
        "created_at": match.regex("2026-12-02T10:00:00Z", regex=ISO_8601),
    }


def _pact() -> Pact:
    return Pact(CONSUMER, PROVIDER).with_specification("V4")


def test_a_first_attempt_is_approved(written: Path) -> None:
    pact = _pact()
    _assess(
        pact, "an attempt of a customer with no history", NEW_CUSTOMER, ATTEMPT
    ).will_respond_with(201).with_body(
        _assessment(ATTEMPT, "approve", []), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpFraud(str(server.url), TIMEOUT).assess(ATTEMPT) == ()
    pact.write_file(written)


def test_an_attempt_over_the_limit_is_declined_with_the_reason(written: Path) -> None:
    pact = _pact()
    over = replace(ATTEMPT, reference="order-43-attempt-1", order_id=43, amount=Decimal("9000.00"))
    _assess(pact, "an attempt over the amount limit", NEW_CUSTOMER, over).will_respond_with(
        201
    ).with_body(
        _assessment(over, "decline", ["amount_over_limit"]), content_type="application/json"
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpFraud(str(server.url), TIMEOUT).assess(over) == ("amount_over_limit",)
    pact.write_file(written)


def test_the_same_attempt_asked_again_gets_the_first_answer(written: Path) -> None:
    """A retried call (its answer lost on the way) carries the same key and body."""
    pact = _pact()
    _assess(pact, "an attempt already assessed, asked again", ASSESSED, ATTEMPT).will_respond_with(
        201
    ).with_body(_assessment(ATTEMPT, "approve", []), content_type="application/json")
    with pact.serve(addr="127.0.0.1") as server:
        assert HttpFraud(str(server.url), TIMEOUT).assess(ATTEMPT) == ()
    pact.write_file(written)

"""Stage 4 end to end: the fraud service down at checkout, through the gateway.

The payments service asks fraud about every charge. With fraud stopped (its port refuses) a
checkout answers 503 naming fraud, two hops away (the payments service's answer, passed on by
the monolith): the order the checkout placed before the charge is cancelled
(``checkout_failed``), nothing is charged, the cart is kept. After ``FRAUD_BREAKER_FAILURES``
such checkouts the payments service's circuit to fraud (its state in Redis) refuses at once;
the monolith's circuit to payments stays closed, since payments answered every call. Each
cancelled order's compensation recorded the refund it owed and settled it with payments'
answer (nothing was charged). Once
fraud is back a trial call goes through and the same cart checks out. Meanwhile the control
room's signals show the open circuit. The service is
started again before the test ends, whatever happened, so the stage's other tests find it
running.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from strangler.stages.runner.room_signals import read_signals
from strangler.stages.runner.urls import metrics_urls
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import Shopper, database, skus

STAGE = 4
FAILURES, RESET = 5, 10.0  # the payments service's FRAUD_BREAKER_FAILURES and _RESET_SECONDS
MARGIN = 3.0


@pytest.fixture
def shopper(stages: Callable[[int], StartedStage]) -> Shopper:
    return Shopper(stages(STAGE).base_url)


def test_fraud_down_refuses_checkouts_charges_nothing_and_the_circuit_opens_then_closes(
    stages: Callable[[int], StartedStage], shopper: Shopper
) -> None:
    started = stages(STAGE)
    sku = skus(started.base_url)[-3]
    shopper.add_to_cart(sku, 1)

    with started.stopped("fraud"):
        unreachable = 0
        while True:
            refused = shopper.checkout(timeout=30)
            assert refused.status_code == 503, refused.text
            error = refused.json()["error"]
            assert error["details"]["service"] == "fraud", error
            if error["details"].get("circuit") == "open":
                break
            assert "could not be reached" in error["message"], error
            unreachable += 1
            assert unreachable <= FAILURES, f"still closed after {unreachable} failed checkouts"
        assert unreachable == FAILURES
        # the control room reads the open circuit from the payments service's /metrics, and
        # names the stopped fraud service as not answering its own
        signals = read_signals(metrics_urls(started.running))
        breakers = [
            signal
            for signal in signals
            if (signal.process, signal.figure) == ("payments", "circuit breaker")
            and "→ fraud" in signal.subject
        ]
        assert breakers, f"no breaker to fraud among the payments service's signals: {signals}"
        assert all(b.value != "closed" and b.alert for b in breakers), breakers
        assert any(s.process == "fraud" and s.alert for s in signals), signals
        assert 0 < error["details"]["retry_after"] <= RESET
        assert shopper.cart() == [(sku, 1)]
        # the saga places the order before the charge: each refused checkout cancels its own
        orders = shopper.orders()
        assert len(orders) == FAILURES + 1
        assert {order["status"] for order in orders} == {"cancelled"}
        payments = shopper.get("/api/v1/payments")
        assert payments.status_code == 200, payments.text
        assert payments.json()["count"] == 0, "nothing charged while fraud was down"
        # each compensation recorded the refund it owed before asking, and payments answered
        with database(started) as db:
            refunds = db.rows(
                "SELECT order_id, settled_at IS NOT NULL, outcome FROM orders_owedrefund "
                f"WHERE order_id IN ({', '.join([db.placeholder] * len(orders))})",
                [order["id"] for order in orders],
            )
        assert sorted(refunds) == sorted(
            (order["id"], True, "nothing was charged") for order in orders
        ), refunds

    def trial_checked_out() -> bool:
        placed = shopper.checkout(timeout=30)
        if placed.status_code == 503:
            assert placed.json()["error"]["details"].get("circuit") == "open", placed.text
            return False
        assert placed.status_code == 201, placed.text
        return True

    eventually(trial_checked_out, "a checkout once the circuit lets a trial through", deadline=60)
    assert shopper.cart() == []
    assert shopper.get("/api/v1/payments").json()["count"] == 1

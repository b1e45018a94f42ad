"""From stage 3 on: the inventory service down or silent at checkout, through the gateway.

The checkout answers 503 in the error shape naming the service, within the adapter's timeout
(``INVENTORY_TIMEOUT``, 2 s at stage 3), keeps the cart and leaves no order; once the service
is back the same cart checks out. The service is stopped (its port refuses) and then frozen
(SIGSTOP: its port accepts and never answers), and started or thawed again before the test
ends, whatever happened, so the stage's other tests find it running.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from strangler.stages.manifest import first_stage_here
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import Shopper, skus

# stage 3's behaviour, on the first stage from 3 that this checkout can run (3 on main; a later
# stage's tag, which retired the monolith's inventory, runs it at its own stage)
STAGE = first_stage_here(3).number
TIMEOUT = 2.0  # the stage's INVENTORY_TIMEOUT
MARGIN = 3.0  # the gateway, the monolith's request and its rolled-back transaction


@contextmanager
def _frozen(started: StartedStage) -> Iterator[None]:
    process = started.process("inventory")
    assert process.pid is not None
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGCONT)
        eventually(lambda: process.ready(process), "the inventory service thawed", deadline=60)


@pytest.fixture
def shopper(stages: Callable[[int], StartedStage]) -> Shopper:
    return Shopper(stages(STAGE).base_url)


def _checkout_refused(shopper: Shopper, sku: str) -> float:
    orders = len(shopper.orders())
    began = time.monotonic()
    refused = shopper.checkout(timeout=30)
    took = time.monotonic() - began
    assert refused.status_code == 503, refused.text
    error = refused.json()["error"]
    assert error["code"] == "service_unavailable"
    assert error["details"]["service"] == "inventory"
    assert error["message"]
    assert shopper.cart() == [(sku, 1)]
    assert len(shopper.orders()) == orders
    return took


def test_inventory_down_at_checkout_is_a_503_with_the_cart_intact_and_no_order(
    stages: Callable[[int], StartedStage], shopper: Shopper
) -> None:
    started = stages(STAGE)
    sku = skus(started.base_url)[-2]
    shopper.add_to_cart(sku, 1)

    with started.stopped("inventory"):
        took = _checkout_refused(shopper, sku)
    assert took < TIMEOUT + MARGIN, f"the refusal took {took:.2f} s"

    placed = shopper.checkout()
    assert placed.status_code == 201, placed.text
    assert shopper.cart() == []


def test_inventory_silent_at_checkout_is_a_503_within_the_timeout(
    stages: Callable[[int], StartedStage], shopper: Shopper
) -> None:
    started = stages(STAGE)
    sku = skus(started.base_url)[-2]
    shopper.add_to_cart(sku, 1)

    with _frozen(started):
        took = _checkout_refused(shopper, sku)
    assert TIMEOUT <= took < TIMEOUT + MARGIN, f"the refusal took {took:.2f} s"

    placed = shopper.checkout()
    assert placed.status_code == 201, placed.text


FAILURES, RESET = 5, 10.0  # the stage's INVENTORY_BREAKER_FAILURES and _RESET_SECONDS


def test_failed_checkouts_open_the_circuit_and_a_trial_closes_it_once_inventory_is_back(
    stages: Callable[[int], StartedStage], shopper: Shopper
) -> None:
    """Both monolith replicas share the breaker through Redis: whichever answers, the count is
    the service's, and once it is open neither calls inventory until the trial."""
    started = stages(STAGE)
    sku = skus(started.base_url)[-2]
    shopper.add_to_cart(sku, 1)

    with started.stopped("inventory"):
        unreachable = 0
        while True:
            refused = shopper.checkout(timeout=30)
            assert refused.status_code == 503, refused.text
            error = refused.json()["error"]
            if error["details"].get("circuit") == "open":
                break
            assert "could not be reached" in error["message"], error
            unreachable += 1
            assert unreachable <= FAILURES, f"still closed after {unreachable} failed checkouts"
        assert unreachable == FAILURES
        assert 0 < error["details"]["retry_after"] <= RESET
        took = _checkout_refused(shopper, sku)
    assert took < MARGIN, f"an open circuit's refusal took {took:.2f} s"

    def trial_checked_out() -> bool:
        placed = shopper.checkout(timeout=30)
        if placed.status_code == 503:
            assert placed.json()["error"]["details"].get("circuit") == "open", placed.text
            return False
        assert placed.status_code == 201, placed.text
        return True

    eventually(trial_checked_out, "a checkout once the circuit lets a trial through", deadline=60)
    assert shopper.cart() == []

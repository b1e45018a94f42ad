"""Two customers race for the last unit with real concurrent HTTP requests: exactly one wins."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.db import connection

from monolith.catalog.interface import seed_demo_catalog
from monolith.inventory.interface import get_availability, set_stock

ROUNDS = 3


def _customer(base: str) -> requests.Session:
    session = requests.Session()
    email = f"racer-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "race-password-1", "full_name": "Racer"}
    registered = session.post(f"{base}/api/v1/auth/register", json=body, timeout=10)
    assert registered.status_code == 201, registered.text
    session.headers["Authorization"] = f"Bearer {registered.json()['tokens']['access']}"
    address = {
        "full_name": "Racer",
        "line1": "Jl. Asia Afrika 8",
        "line2": "",
        "city": "Bandung",
        "postal_code": "40111",
        "country": "ID",
        "is_default": True,
    }
    assert session.post(f"{base}/api/v1/me/addresses", json=address, timeout=10).status_code == 201
    return session


def _checkout(base: str, shopper: requests.Session, start: threading.Barrier) -> requests.Response:
    start.wait(timeout=10)  # both requests leave together
    return shopper.post(f"{base}/api/v1/checkout", json={"card_token": "tok_visa"}, timeout=30)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_process_inventory", "in_process_payments", "in_process_credentials")
def test_two_checkouts_racing_for_the_last_unit_exactly_one_succeeds(live_server: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race is only meaningful on PostgreSQL (make test runs it there)")
    base = live_server.url
    skus = [product.sku for product in seed_demo_catalog()[:ROUNDS]]
    alice, bob = _customer(base), _customer(base)

    for sku in skus:
        set_stock(sku=sku, on_hand=1)
        for shopper in (alice, bob):
            added = shopper.post(
                f"{base}/api/v1/cart/items", json={"sku": sku, "quantity": 1}, timeout=10
            )
            assert added.status_code == 201, added.text

        start = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                name: pool.submit(_checkout, base, shopper, start)
                for name, shopper in (("alice", alice), ("bob", bob))
            }
            results = {name: future.result(timeout=60) for name, future in futures.items()}

        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [201, 409], {n: (r.status_code, r.text) for n, r in results.items()}
        loser = next(r for r in results.values() if r.status_code == 409)
        assert loser.json()["error"]["code"] == "out_of_stock"
        stock = get_availability(sku)
        assert (stock.on_hand, stock.reserved) == (0, 0), f"{sku}: {stock}"
        # the loser keeps the item in the cart and has no order; clear it for the next round
        for shopper in (alice, bob):
            shopper.delete(f"{base}/api/v1/cart", timeout=10)

    orders = [s.get(f"{base}/api/v1/orders", timeout=10).json()["count"] for s in (alice, bob)]
    assert sum(orders) == ROUNDS

"""Customers driving a stage through its public API, and a look into a service's database, for
the end-to-end tests of the inventory service's stage.

Everything a customer does goes through the stage's entrypoint (the gateway); the database is
read only for what no public API shows (the service's hold bound to an order) and written only
to set a test's scene (a SKU with two units left, a hold whose time is up).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from strangler.migrate.endpoints import Endpoint, open_endpoint
from strangler.stages.journey import ADDRESS
from tests.e2e.conftest import StartedStage, post_under_the_limit

TIMEOUT = 10.0


def sign_in(base_url: str, account: dict[str, str], *, deadline: float = 90.0) -> str:
    """An access token for ``account`` (a 429 waited out: :func:`post_under_the_limit`)."""
    reply = post_under_the_limit(f"{base_url}/api/v1/auth/token", account, deadline=deadline)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access"])


class Shopper:
    """A new customer, signed in, with a default address."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        account = {"email": f"e2e-{uuid.uuid4().hex[:10]}@example.com", "password": "pass-9-word"}
        registered = self.post("/api/v1/auth/register", {**account, "full_name": "Sari Wijaya"})
        assert registered.status_code == 201, registered.text
        self.customer_id = int(registered.json()["customer"]["id"])
        self.http.headers["Authorization"] = f"Bearer {sign_in(self.base, account)}"
        address = self.post("/api/v1/me/addresses", ADDRESS)
        assert address.status_code == 201, address.text

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs)

    def post(self, path: str, body: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.http.post(
            self.base + path, json=body, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs
        )

    def add_to_cart(self, sku: str, quantity: int) -> None:
        added = self.post("/api/v1/cart/items", {"sku": sku, "quantity": quantity})
        assert added.status_code == 201, added.text

    def cart(self) -> list[tuple[str, int]]:
        cart = self.get("/api/v1/cart")
        assert cart.status_code == 200, cart.text
        return [(line["sku"], line["quantity"]) for line in cart.json()["lines"]]

    def checkout(self, card_token: str = "tok_visa", **kwargs: Any) -> requests.Response:
        key = {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}
        return self.post("/api/v1/checkout", {"card_token": card_token}, headers=key, **kwargs)

    def orders(self) -> list[dict[str, Any]]:
        listed = self.get("/api/v1/orders")
        assert listed.status_code == 200, listed.text
        return list(listed.json()["results"])

    def order(self, order_id: int) -> dict[str, Any]:
        found = self.get(f"/api/v1/orders/{order_id}")
        assert found.status_code == 200, found.text
        return dict(found.json())

    def notifications(self) -> list[dict[str, Any]]:
        listed = self.get("/api/v1/notifications")
        assert listed.status_code == 200, listed.text
        return list(listed.json()["results"])


def stock(base_url: str, sku: str) -> dict[str, int]:
    found = requests.get(f"{base_url}/api/v1/inventory/{sku}", timeout=TIMEOUT)
    assert found.status_code == 200, found.text
    return {key: found.json()[key] for key in ("on_hand", "reserved", "available")}


def skus(base_url: str) -> list[str]:
    """The first page of the catalog, in its order: each test takes SKUs no other one uses."""
    listed = requests.get(f"{base_url}/api/v1/products", timeout=TIMEOUT)
    assert listed.status_code == 200, listed.text
    return [product["sku"] for product in listed.json()["results"]]


def database_url(started: StartedStage, service: str = "") -> str:
    """The URL of the monolith's database (``service`` empty) or of a service's."""
    url = started.env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return f"{url}_{service}" if service else url
    return (
        f"sqlite:///{Path(started.env['STRANGLER_VAR_DIR']) / (service or 'monolith')}/db.sqlite3"
    )


@contextmanager
def database(started: StartedStage, service: str = "") -> Iterator[Endpoint]:
    """A connection (autocommit) to the monolith's database or a service's."""
    endpoint = open_endpoint(database_url(started, service), role="test")
    try:
        yield endpoint
    finally:
        endpoint.close()


def only_left(started: StartedStage, sku: str, units: int) -> None:
    """The service's stock of ``sku`` has ``units`` available and nothing held."""
    with database(started, "inventory") as db:
        mark = db.placeholder
        db.connection.execute(
            f"UPDATE inventory_stockitem SET on_hand = {mark}, reserved = 0 WHERE sku = {mark}",
            [units, sku],
        )

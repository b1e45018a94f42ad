"""The service's contracts: its committed OpenAPI document, the monolith's stock read, and its
own copies of the event schemas it consumes."""

from __future__ import annotations

from pathlib import Path

import yaml

from extracted.inventory.stock.tests.helpers import order_cancelled, order_created, order_paid
from strangler.config import REPO_ROOT
from strangler.service.testing import (
    assert_paths_are_the_monoliths,
    assert_schema_copies_accept_what_producers_publish,
    assert_service_openapi_keeps_the_contract,
)

COMMITTED = REPO_ROOT / "docs" / "api" / "inventory-v1.yaml"


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("inventory", tmp_path)


def test_the_stock_read_is_the_monoliths() -> None:
    assert_paths_are_the_monoliths("inventory", ("/api/v1/inventory/{sku}",))


def test_the_reservations_are_internal_only() -> None:
    paths = set(yaml.safe_load(COMMITTED.read_text())["paths"])
    assert paths == {
        "/api/v1/inventory/{sku}",
        "/internal/v1/reservations/{order_id}",
        "/internal/v1/reservations/{order_id}/release",
    }


def test_the_own_schema_copies_accept_all_the_producer_publishes() -> None:
    assert_schema_copies_accept_what_producers_publish(
        "inventory",
        {"order.created", "order.paid", "order.cancelled"},
        (order_created(), order_paid(), order_cancelled(), order_cancelled(was_paid=True)),
    )

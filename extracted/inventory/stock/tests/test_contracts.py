"""The service's contracts: its committed OpenAPI document, the monolith's stock read, and its
own copies of the event schemas it consumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from extracted.inventory.stock.tests.helpers import order_cancelled, order_created, order_paid
from strangler.config import REPO_ROOT
from strangler.service.testing import (
    assert_schema_copies_accept_what_producers_publish,
    assert_service_openapi_keeps_the_contract,
)

COMMITTED = REPO_ROOT / "docs" / "api" / "inventory-v1.yaml"
MONOLITH = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("inventory", tmp_path)


def _resolved(node: Any, document: dict[str, Any]) -> Any:
    """``node`` with every $ref inlined and the prose (descriptions) left out."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolved(document["components"]["schemas"][name], document)
        return {k: _resolved(v, document) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_resolved(item, document) for item in node]
    return node


def test_the_stock_read_is_the_monoliths() -> None:
    ours = yaml.safe_load(COMMITTED.read_text())
    theirs = yaml.safe_load(MONOLITH.read_text())
    path = "/api/v1/inventory/{sku}"
    assert _resolved(ours["paths"][path], ours) == _resolved(theirs["paths"][path], theirs)


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

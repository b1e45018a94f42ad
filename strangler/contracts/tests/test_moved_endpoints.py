"""A removed endpoint that the gateway sends to another service moved: it breaks no client.

Built on stage 1's route table with the notifications route pointed at a service of its own,
as stage 2 does, so the rule is pinned from the first stage that has a gateway.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from strangler.config import REPO_ROOT
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.contracts.compat.openapi import compare
from strangler.stages.manifest import get_stage

COMMITTED = yaml.safe_load((REPO_ROOT / "docs" / "api" / "monolith-v1.yaml").read_text())
NOTIFICATIONS = ("/api/v1/notifications", "/api/v1/notifications/{notification_id}")


def _table(tmp_path: Path, notifications: dict[str, Any]) -> Path:
    """Stage 1's route table with the notifications route replaced by ``notifications``."""
    table = yaml.safe_load((REPO_ROOT / "gateway" / "routes" / "stage-1.yaml").read_text())
    table["upstreams"]["notifications"] = {
        **table["upstreams"]["monolith"],
        "instances": ["127.0.0.1:{notifications}"],
    }
    table["routes"] = [
        {**route, **notifications} if route["name"] == "notifications" else route
        for route in table["routes"]
    ]
    (tmp_path / "routes.yaml").write_text(yaml.safe_dump(table))
    return tmp_path


def _without_notifications() -> dict[str, Any]:
    generated = copy.deepcopy(COMMITTED)
    for path in NOTIFICATIONS:
        del generated["paths"][path]
    return generated


@pytest.fixture
def stage_routing_notifications_away(tmp_path: Path) -> Path:
    return _table(tmp_path, {"upstream": "notifications"})


def test_the_paths_the_gateway_sends_to_another_service_moved(
    stage_routing_notifications_away: Path,
) -> None:
    stage = replace(get_stage(1), routes="routes.yaml")
    moved = routed_elsewhere(stage, "monolith", root=stage_routing_notifications_away)

    assert moved("GET", "/api/v1/notifications/{notification_id}") == "notifications"
    assert moved("GET", "/api/v1/notifications") == "notifications"
    assert moved("GET", "/api/v1/products") is None  # still the monolith's
    assert moved("GET", "/api/v1/orders/{order_id}/summary") is None  # a gateway handler


def test_a_moved_endpoint_is_not_breaking_and_a_removed_one_is(
    stage_routing_notifications_away: Path,
) -> None:
    stage = replace(get_stage(1), routes="routes.yaml")
    moved = routed_elsewhere(stage, "monolith", root=stage_routing_notifications_away)
    generated = _without_notifications()
    del generated["paths"]["/api/v1/categories"]

    found = {d.where: d for d in compare(COMMITTED, generated, moved=moved)}

    notified = found["GET /api/v1/notifications"]
    assert (notified.breaking, notified.moved) == (False, True)
    assert "moved behind the gateway to notifications" in str(notified)
    assert found["GET /api/v1/categories"].breaking  # the gateway still sends it here


def test_a_split_that_still_sends_a_share_to_the_monolith_moved_nothing(tmp_path: Path) -> None:
    canary = {
        "split": [
            {"upstream": "monolith", "weight": 90},
            {"upstream": "notifications", "weight": 10},
        ]
    }
    root = _table(tmp_path, canary)
    root_table = yaml.safe_load((root / "routes.yaml").read_text())
    [route] = [r for r in root_table["routes"] if r["name"] == "notifications"]
    del route["upstream"]
    (root / "routes.yaml").write_text(yaml.safe_dump(root_table))
    stage = replace(get_stage(1), routes="routes.yaml")

    moved = routed_elsewhere(stage, "monolith", root=root)

    assert moved("GET", "/api/v1/notifications") is None
    breaking = [d for d in compare(COMMITTED, _without_notifications(), moved=moved) if d.breaking]
    assert [d.where for d in breaking] == [f"GET {path}" for path in NOTIFICATIONS]


def test_a_handler_moves_an_endpoint_where_its_upstreams_are_all_elsewhere(
    tmp_path: Path,
) -> None:
    """Stage 3's gRPC translation asks the inventory service's server, not the monolith's."""
    root = _table(tmp_path, {})
    table = yaml.safe_load((root / "routes.yaml").read_text())
    [translation] = [r for r in table["routes"] if r.get("handler", "").endswith("availability")]
    table["upstreams"]["inventory-grpc"] = table["upstreams"]["monolith-grpc"]
    translation["options"]["upstreams"] = {"inventory": "inventory-grpc"}
    (root / "routes.yaml").write_text(yaml.safe_dump(table))
    stage = replace(get_stage(1), routes="routes.yaml")

    moved = routed_elsewhere(stage, "monolith", root=root)

    assert moved("GET", "/api/v1/inventory/{sku}") == "inventory-grpc"
    # stage 1's own table: the translation asks the monolith's gRPC server, nothing moved
    assert routed_elsewhere(get_stage(1), "monolith")("GET", "/api/v1/inventory/{sku}") is None


def test_without_a_gateway_nothing_moved() -> None:
    moved = routed_elsewhere(get_stage(0), "monolith")

    assert moved("GET", "/api/v1/notifications") is None

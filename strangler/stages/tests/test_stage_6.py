"""Stage 6 in the manifest: the analytics service added, nothing else changed.

A stage's own test module arrives with the stage (the manifest adds it to what the stage
introduces), so an earlier stage's tag has none of it.
"""

from __future__ import annotations

from strangler.config import REPO_ROOT
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, Subscription, get_stage


def test_stage_6_adds_the_analytics_service_and_changes_nothing_else() -> None:
    stage = get_stage(6)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-6-analytics"
    assert stage.routes == "gateway/routes/stage-6.yaml"
    assert {p.name for p in stage.processes} - {p.name for p in before.processes} == {
        "analytics",
        "analytics-worker",
    }
    kept = [p for p in before.processes if p.name != "gateway"]
    assert all(p in stage.processes for p in kept), "stage 6 changed a process it did not add"
    assert stage.settings == before.settings
    assert set(stage.subscriptions) - set(before.subscriptions) == {
        Subscription("order.created", "analytics", queue="analytics.events"),
        Subscription("order.paid", "analytics", queue="analytics.events"),
        Subscription("order.cancelled", "analytics", queue="analytics.events"),
    }
    assert "analytics=127.0.0.1:{port:analytics}" in stage.process("gateway").argv
    assert stage.process("analytics").port_name == "analytics"
    assert DEFAULT_PORTS["analytics"] == 8006
    assert "strangler/stages/manifest/stage_6.py" in stage.introduces


def test_stage_6_keeps_what_the_stage_before_it_moved() -> None:
    """Built on the stage before it (stage 5 today): the checkout's HTTP adapter and the
    translation to the inventory service's gRPC server stay as that stage has them."""
    stage = get_stage(6)
    assert stage.settings_env["ORDERS_INVENTORY_ADAPTER"].endswith("HttpInventory")
    table = (REPO_ROOT / (stage.routes or "")).read_text()
    assert "upstreams: {inventory: inventory-grpc}" in table

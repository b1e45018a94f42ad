"""Stage 3 in the manifest: inventory extracted, the checkout's reservation over HTTP.

A stage's own test module arrives with the stage (the manifest adds it to what the stage
introduces), so an earlier stage's tag has none of it.
"""

from __future__ import annotations

from strangler.stages import prometheus
from strangler.stages.generated.containers import settings as container_settings
from strangler.stages.launcher import stage_env
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, Subscription, get_stage
from strangler.stages.tests.test_prometheus import scrape_targets

STAGE = get_stage(3)


def test_stage_3_extracts_inventory_and_retires_nothing_yet() -> None:
    before = STAGES[STAGES.index(STAGE) - 1]
    assert STAGE.tag == "stage-3-inventory"
    assert STAGE.routes == "gateway/routes/stage-3.yaml"
    assert {p.name for p in STAGE.processes} - {p.name for p in before.processes} == {
        "inventory",
        "inventory-grpc",
        "inventory-worker",
        "inventory-relay",
        "monolith-events",
    }
    # the translation reaches the service's gRPC server; the monolith's has no client left
    assert "monolith-grpc" not in {p.name for p in STAGE.processes}
    assert STAGE.process("inventory-grpc").ready == "tcp"
    assert DEFAULT_PORTS["inventory-grpc"] == 9002
    gateway = STAGE.process("gateway").argv
    assert "inventory=127.0.0.1:{port:inventory}" in gateway
    assert "inventory-grpc=127.0.0.1:{port:inventory-grpc}" in gateway
    assert STAGE.retires == ()
    assert {"extracted/inventory/", "strangler/http/", "docs/stages/3-inventory.md"} <= set(
        STAGE.introduces
    )


def test_the_monolith_reserves_over_http_at_the_services_port() -> None:
    settings = STAGE.settings_env
    assert settings["ORDERS_INVENTORY_ADAPTER"] == "monolith.orders.http_inventory.HttpInventory"
    env = stage_env(STAGE, {}, {"inventory": 18002})
    assert env["INVENTORY_SERVICE_URL"] == "http://127.0.0.1:18002"
    # the set-up steps know no port: the setting's default applies there
    assert "INVENTORY_SERVICE_URL" not in stage_env(STAGE, {})
    # in a container the service is reached by its name
    assert container_settings(STAGE)["INVENTORY_SERVICE_URL"] == "http://inventory:8002"


def test_the_stock_is_handed_over_after_the_queues_exist_and_before_anything_serves() -> None:
    steps = [" ".join(step) for step in STAGE.setup]
    take_over = steps.index("{python} extracted/inventory/manage.py take_over_stock")
    # its tables and its queue: `set_up` migrates, then declares the queue
    set_up = steps.index("{python} extracted/inventory/manage.py set_up")
    assert set_up < take_over
    assert "{python} manage.py events_declare" in steps


def test_order_created_fans_out_to_three_consumers_each_on_its_own_queue() -> None:
    created = {s for s in STAGE.subscriptions if s.event_type == "order.created"}
    assert {(s.consumer, s.queue) for s in created} >= {
        ("inventory", "inventory.events"),
        ("notifications", "notifications.events"),
        ("monolith", "monolith.events"),
    }
    assert Subscription("stock.commit_failed", "monolith", queue="monolith.events") in set(
        STAGE.subscriptions
    )


def test_the_service_is_a_scrape_target_of_its_own() -> None:
    ports = {name: 20000 + n for n, name in enumerate(STAGE.port_names)}
    targets = scrape_targets(prometheus.scrape_config(STAGE, ports))
    assert targets["inventory"] == [f"127.0.0.1:{ports['inventory']}"]

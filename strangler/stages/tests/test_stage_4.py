"""Stage 4 in the manifest: the fraud and payments services added, the checkout switched to
payments over HTTP, the gateway routing /api/v1/payments to the service."""

from __future__ import annotations

from typing import Any

import yaml

from strangler.config import REPO_ROOT
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, get_stage
from strangler.stages.manifest.model import Subscription


def _table(number: int) -> dict[str, Any]:
    routes = get_stage(number).routes
    assert routes is not None
    table: dict[str, Any] = yaml.safe_load((REPO_ROOT / routes).read_text())
    return table


def test_stage_4_adds_the_fraud_and_payments_services_and_switches_the_checkout() -> None:
    stage = get_stage(4)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-4-payments"
    added = {p.name for p in stage.processes} - {p.name for p in before.processes}
    assert added == {"fraud", "payments", "payments-relay"}
    kept = [p for p in before.processes if p.name != "gateway"]
    assert all(p in stage.processes for p in kept), "stage 4 changed a process"
    assert stage.process("fraud").upstream == ""
    assert stage.process("payments").upstream == "payments"
    assert (DEFAULT_PORTS["fraud"], DEFAULT_PORTS["payments"]) == (8007, 8003)
    changed = {
        name: value
        for name, value in stage.settings_env.items()
        if before.settings_env.get(name) != value
    }
    assert changed == {
        "ORDERS_PAYMENTS_ADAPTER": "monolith.orders.http_payments.HttpPayments",
        "PAYMENTS_SERVICE_URL": "http://127.0.0.1:{port:payments}",
        "PAYMENTS_TIMEOUT": "5.0",
        "FRAUD_SERVICE_URL": "http://127.0.0.1:{port:fraud}",
        "FRAUD_TIMEOUT": "2.0",
        "MONOLITH_SERVICE_URL": "http://127.0.0.1:{port:monolith}",
    }
    # payments and fraud hear no event; the monolith reconciles the service's approvals
    assert set(stage.subscriptions) - set(before.subscriptions) == {
        Subscription("payment.approved", "monolith", queue="monolith.events")
    }


def test_the_payments_attempts_are_handed_over_after_the_services_tables_exist() -> None:
    setup = [" ".join(step) for step in get_stage(4).setup]
    own = next(i for i, step in enumerate(setup) if "payments/manage.py set_up" in step)
    take_over = next(i for i, step in enumerate(setup) if step.endswith("take_over_payments"))
    assert own < take_over


def test_stage_4_routes_payments_to_the_service_and_nothing_to_fraud() -> None:
    table = _table(4)
    routes = {route["name"]: route for route in table["routes"]}
    assert routes["payments"]["upstream"] == "payments"
    assert routes["order-summary"]["options"]["upstreams"]["payments"] == "payments"
    assert "fraud" not in table["upstreams"]
    for later_stage in (stage for stage in STAGES if stage.number > 4):  # on main: 5 and 6
        later = {route["name"]: route for route in _table(later_stage.number)["routes"]}
        assert later["payments"]["upstream"] == "payments", f"stage {later_stage.number}"


def test_the_stages_before_4_charge_in_process() -> None:
    for stage in STAGES:
        if stage.number < 4:
            assert stage.settings_env["ORDERS_PAYMENTS_ADAPTER"].endswith("InProcessPayments")
            assert stage.settings_env["PAYMENTS_FRAUD_ADAPTER"].endswith("InProcessFraud")


def test_stage_4_retires_the_monolith_s_inventory_and_payments_with_their_settings() -> None:
    stage = get_stage(4)
    assert {"monolith/inventory/", "monolith/payments/"} <= set(stage.retires)
    assert {
        "monolith/orders/in_process_inventory.py",
        "monolith/orders/in_process_payments.py",
    } <= set(stage.retires)
    for later in (s for s in STAGES if s.number >= 4):
        names = set(later.settings_env)
        assert not names & {
            "PAYMENTS_FRAUD_ADAPTER",
            "PAYMENTS_EVENTS_ADAPTER",
            "INVENTORY_EVENTS_ADAPTER",
        }, f"stage {later.number}"
    # its set-up seeds the demo's shelves at the service, after both take-overs
    setup = [" ".join(step) for step in stage.setup]
    assert setup[-1].endswith("extracted/inventory/manage.py seed_demo_stock")
    assert setup.index(next(s for s in setup if s.endswith("take_over_stock"))) < len(setup) - 1

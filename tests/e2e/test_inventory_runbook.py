"""docs/migrating-data.md followed step by step on the stage-3 system, through the gateway.

The system starts as a shop that has not cut over yet: every stage-3 process runs, but the
monolith still reserves in process (stage 2's adapter), the inventory service's database has
its tables and no rows, its worker is not started (its queue not bound: the order events are
the monolith's to act on), and the gateway's table sends ``/api/v1/inventory`` to the monolith
with a shadow to the service (no gRPC translation yet). Then, as the runbook says: capture,
backfill, sync, verify GO, shadow reads with a 0 mismatch rate (``migrate report``), flip (the
monolith's inventory tables refuse writes naming the owner, a checkout in the window gets a 503
``data_moved``, the next availability read lands on the service), the monolith rolled onto the
HTTP adapter (rolling restart) and the service's worker started, checkouts through the
gateway, rollback (the service's writes are back in the monolith, the monolith rolled back
onto its own inventory), and forward again.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.journey import Journey
from strangler.stages.launcher import RunningStage, argv_of, process_env, readiness, run_setup
from strangler.stages.launcher import start as start_stage
from strangler.stages.manifest import Stage, get_stage
from strangler.stages.processes import Process, free_port, stop_process
from strangler.stages.rolling import RollingRestart
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage, _base_env, _Engines
from tests.e2e.shoppers import Shopper, database, database_url, skus, stock

IN_PROCESS = "monolith.orders.in_process_inventory.InProcessInventory"
OVER_HTTP = "monolith.orders.http_inventory.HttpInventory"
TABLES = ("inventory_stockitem", "inventory_reservation")
ROUTE = "/api/v1/inventory"
# the monolith's processes that build the inventory adapter: web replicas, tasks, consumer
MONOLITH_WORKERS = ("monolith-worker", "monolith-events")
SERVICE_SETUP = ("{python}", "extracted/inventory/manage.py")


def _before_the_cut_over(stage: Stage, routes: Path) -> Stage:
    """Stage 3 as a shop runs it before its inventory moves: see the module's docstring."""
    table = (REPO_ROOT / (stage.routes or "")).read_text()
    translation = re.search(r"  - name: inventory-availability\n(?:    .*\n|      .*\n)+", table)
    assert translation is not None
    table = table.replace(translation.group(0), "")
    prefix_route = "    methods: [GET, HEAD]\n    retries: 1\n    upstream: inventory\n"
    assert prefix_route in table
    table = table.replace(
        prefix_route,
        "    methods: [GET, HEAD]\n    retries: 1\n    upstream: monolith\n    shadow: inventory\n",
    )
    routes.write_text(table)
    gateway = stage.process("gateway")
    at = gateway.argv.index("--routes")
    gateway = replace(gateway, argv=(*gateway.argv[: at + 1], str(routes), *gateway.argv[at + 2 :]))
    skipped = {(*SERVICE_SETUP, "take_over_stock")}
    # the service's tables, no queue: its worker does not run yet
    without_a_queue: dict[tuple[str, ...], tuple[str, ...]] = {
        (*SERVICE_SETUP, "set_up"): (*SERVICE_SETUP, "set_up", "--skip", "events_declare")
    }
    return replace(
        stage,
        setup=tuple(without_a_queue.get(step, step) for step in stage.setup if step not in skipped),
        processes=tuple(
            gateway if p.name == "gateway" else p
            for p in stage.processes
            if p.name != "inventory-worker"
        ),
        settings=tuple(
            (key, IN_PROCESS if key == "ORDERS_INVENTORY_ADAPTER" else value)
            for key, value in stage.settings
        ),
    )


@dataclass
class Shop:
    started: StartedStage
    stage: Stage
    ports: dict[str, int]
    var: Path
    routes: Path

    @property
    def base(self) -> str:
        return self.started.base_url

    @property
    def running(self) -> RunningStage:
        return self.started.running

    def process(self, name: str) -> Process:
        [found] = [p for p in self.running.group.processes if p.name == name]
        return found

    def migrate(self, *args: str) -> subprocess.CompletedProcess[str]:
        urls = ["--source", database_url(self.started), "--target"]
        urls.append(database_url(self.started, "inventory"))
        command, *rest = args
        return subprocess.run(
            [sys.executable, "-m", "strangler", "migrate", command, *urls, *rest],
            cwd=REPO_ROOT,
            env=self.started.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def report(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "strangler", "migrate", "report", "--gateway", self.base],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def move(self, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        only = [part for table in TABLES for part in ("--only", table)]
        pid = str(self.process("gateway").pid)
        return self.migrate(
            command, "--context", "inventory", *only, "--route", ROUTE,
            "--table", str(self.routes), "--pid", pid, *args,
        )  # fmt: skip

    def adapter(self, path: str) -> None:
        """The monolith's inventory adapter switched: its web replicas restarted one at a time
        behind the gateway (no request fails), then its workers."""
        for name in ("monolith", "monolith-2", *MONOLITH_WORKERS):
            self.process(name).env["ORDERS_INVENTORY_ADAPTER"] = path
        restarter = RollingRestart(
            stage=self.stage,
            group=self.running.group,
            ports=self.ports,
            var=self.var,
            hold=lambda name: nullcontext(),
        )
        results = restarter.run("monolith", log=lambda line: None)
        assert not any(r.error for r in results), results
        for name in MONOLITH_WORKERS:
            self.running.group.restart(self.process(name))
            self.wait_ready(name)

    def wait_ready(self, name: str) -> None:
        process = self.process(name)
        eventually(lambda: process.ready(process), f"{name} ready", deadline=90)

    def start_service_worker(self) -> None:
        declared = subprocess.run(
            [sys.executable, "extracted/inventory/manage.py", "events_declare"],
            cwd=REPO_ROOT,
            env={**self.started.env, **self.stage.settings_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert declared.returncode == 0, declared.stderr[-3000:]
        spec = get_stage(3).process("inventory-worker")
        process = self.running.group.start(
            spec.name,
            argv_of(spec, self.ports, self.var),
            readiness(spec, self.ports),
            env=process_env(spec, self.var),
        )
        self.wait_ready(process.name)

    def stop_service_worker(self) -> None:
        process = self.process("inventory-worker")
        stop_process(process)
        self.running.group.processes.remove(process)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    engines = _Engines()
    run_id = f"{uuid.uuid4().hex[:8]}_runbook"
    var = tmp_path_factory.mktemp("e2e-runbook")
    routes = var / "routes.yaml"
    stage = _before_the_cut_over(get_stage(3), routes)
    env = _base_env(var, run_id)
    engines.provision(env, run_id)
    running: RunningStage | None = None
    try:
        run_setup(stage, env, var, progress=lambda message: None)
        ports = {name: free_port() for name in stage.port_names}
        running = start_stage(stage, ports=ports, env=env, var=var)
        yield Shop(StartedStage(running=running, env=env), stage, ports, var, routes)
    finally:
        if running is not None:
            running.stop()
        engines.drop_all()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _shadow_counts(shop: Shop) -> dict[str, int]:
    """The inventory route's row of ``migrate report``: each result's count."""
    out = _ok(shop.report())
    rows = [line.split() for line in out.splitlines() if line.startswith("inventory ")]
    if not rows:
        return dict.fromkeys(("match", "mismatch", "candidate_failed", "not_compared"), 0)
    _, *counts, _rate = rows[0]
    names = ("match", "mismatch", "candidate_failed", "not_compared")
    return dict(zip(names, map(int, counts), strict=True))


def _refusal(shop: Shop, sku: str) -> str:
    with database(shop.started) as db:
        try:
            mark = db.placeholder
            db.connection.execute(
                f"UPDATE inventory_stockitem SET on_hand = on_hand + 1 WHERE sku = {mark}", [sku]
            )
        except Exception as exc:
            return str(exc)
    return ""


def test_the_runbook_moves_the_stock_flips_rolls_back_and_forward_again(shop: Shop) -> None:
    base = shop.base
    catalog = skus(base)
    first = Journey(base).run().facts  # on the monolith's own inventory
    assert first["stock_before"] - first["stock_after"] == 2

    # Step 1 and 2: record every write from now on, then copy
    tables = [part for table in TABLES for part in ("--table", table)]
    assert "recording writes" in _ok(shop.migrate("sync", *tables, "--install"))
    assert "backfill done" in _ok(shop.migrate("backfill", *tables))
    # the shop keeps selling meanwhile: the capture records it
    meanwhile = Shopper(base)
    meanwhile.add_to_cart(catalog[1], 1)
    assert meanwhile.checkout().status_code == 201

    # Step 3 and 4: catch up, prove it
    applied = _ok(shop.migrate("sync", *tables))
    assert re.search(r"applied [1-9]\d* recorded changes", applied), applied
    assert "applied 0 recorded changes" in _ok(shop.migrate("sync", *tables))
    verified = _ok(shop.migrate("verify", *tables))
    assert "GO: the copy is equal" in verified

    # Step 5: shadow reads; the service answers what the monolith answers. The counters run
    # from the gateway's start (the first journey's reads found the service empty): compare
    # two reports for the window since the copy.
    before = _shadow_counts(shop)
    for sku in catalog[:10]:
        assert stock(base, sku)["on_hand"] >= 0
    eventually(
        lambda: _shadow_counts(shop)["match"] - before["match"] >= 10,
        "ten shadowed reads compared",
        deadline=30,
    )
    after = _shadow_counts(shop)
    window = {result: after[result] - before[result] for result in after}
    assert window["mismatch"] == 0 and window["candidate_failed"] == 0, (before, after)

    # Step 6: flip
    flipped = shop.move("flip", "--to", "inventory")
    assert "flipped /api/v1/inventory from monolith to inventory" in _ok(flipped)
    refusal = _refusal(shop, catalog[2])
    assert "inventory_stockitem is read-only here" in refusal
    assert "owned by inventory" in refusal
    # a checkout on the monolith still reserving in process: a 503 to retry, never a 500
    late = Shopper(base)
    late.add_to_cart(catalog[3], 1)
    refused = late.checkout()
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "data_moved"
    assert refused.json()["error"]["details"] == {"context": "inventory", "owner": "inventory"}
    assert late.orders() == []
    # the next availability read lands on the service: a stock level only it has
    with database(shop.started, "inventory") as db:
        mark = db.placeholder
        db.connection.execute(
            f"UPDATE inventory_stockitem SET on_hand = on_hand + 7 WHERE sku = {mark}",
            [catalog[4]],
        )
        services = int(
            db.value(f"SELECT on_hand FROM inventory_stockitem WHERE sku = {mark}", [catalog[4]])
        )
    eventually(
        lambda: stock(base, catalog[4])["on_hand"] == services,
        "the availability read answered by the service",
        deadline=30,
    )

    # the monolith onto the HTTP adapter; the service consumes the order events
    shop.start_service_worker()
    shop.adapter(OVER_HTTP)
    retried = late.checkout()
    assert retried.status_code == 201, retried.text
    served = Journey(base).run().facts  # the stock moves in the service
    assert served["stock_before"] - served["stock_after"] == 2

    # Rollback: the service's writes are back in the monolith
    shop.stop_service_worker()
    rolled = shop.move("rollback")
    assert "rolled back /api/v1/inventory from inventory to monolith" in _ok(rolled)
    with database(shop.started) as db:
        mark = db.placeholder
        held = db.rows(
            f"SELECT sku, quantity, status FROM inventory_reservation WHERE order_id = {mark}",
            [served["order_id"]],
        )
        levels = dict(
            db.rows(
                f"SELECT sku, on_hand FROM inventory_stockitem WHERE sku IN ({mark}, {mark})",
                [served["sku"], catalog[4]],
            )
        )
    assert held == [(served["sku"], 2, "committed")]
    assert levels == {served["sku"]: served["stock_after"], catalog[4]: services}
    assert _refusal(shop, catalog[2]) == ""  # the monolith writable again
    shop.adapter(IN_PROCESS)
    back = Journey(base).run().facts
    assert back["stock_before"] - back["stock_after"] == 2

    # Forward again: the monolith's writes since the rollback go over with the flip
    again = shop.move("flip", "--to", "inventory")
    assert "flipped /api/v1/inventory from monolith to inventory" in _ok(again)
    shop.start_service_worker()
    shop.adapter(OVER_HTTP)
    assert stock(base, back["sku"])["on_hand"] == back["stock_after"]
    forward = Journey(base).run().facts
    assert forward["stock_before"] - forward["stock_after"] == 2

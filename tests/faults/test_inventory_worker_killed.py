"""The inventory service's worker killed mid-batch loses nothing and commits nothing twice.

A real worker of ``extracted.inventory.service`` (acks_late, batches of 5) consumes order.paid
for 40 held orders, one SKU each. The test holds a row lock on one order's stock row, so the
batch with that order stops mid-transaction (its earlier orders already written); the worker
is SIGKILLed there. A second worker then commits every order exactly once: the rolled-back
batch's messages came back from the queue, and the committed ones are recognised as processed.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kombu import Connection

from strangler.config import REPO_ROOT
from strangler.events import Event
from strangler.events.broker import EventPublisher
from strangler.stages.processes import Process, ProcessGroup, ready_when_log_contains
from tests.faults.conftest import REAL_ENGINES, _conninfo, _run, wait_until

MANAGE = (sys.executable, "extracted/inventory/manage.py")
ORDERS = range(3_001, 3_041)
BLOCKED = 3_023  # its stock row is locked by the test: the batch holding it stops there
BATCH = 5


@dataclass
class InventoryRig:
    env: dict[str, str]
    var: Path
    db: str
    names: dict[str, str]

    def start_worker(self, name: str) -> tuple[ProcessGroup, Process]:
        group = ProcessGroup(log_dir=self.var / "logs", env=self.env, cwd=REPO_ROOT)
        process = group.start(
            name,
            [
                *(sys.executable, "-m", "celery", "-A", "extracted.inventory.service"),
                *("worker", "--loglevel", "INFO", "--concurrency", "2"),
                *("--hostname", f"{name}-{self.names['run']}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            ready_when_log_contains(" ready."),
        )
        group.wait_ready(deadline_seconds=60)
        return group, process

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.db) as db:
            return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def committed(self) -> int:
        [(count,)] = self.query(
            "SELECT count(*) FROM inventory_reservation WHERE status = 'committed'"
        )
        return int(count)

    def waiting_on_a_lock(self) -> bool:
        rows = self.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return bool(rows)


@pytest.fixture
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InventoryRig]:
    if not REAL_ENGINES:
        pytest.skip("fault tests run on PostgreSQL + RabbitMQ (DATABASE_URL, CELERY_BROKER_URL)")
    run = uuid.uuid4().hex[:8]
    var = tmp_path_factory.mktemp("faults-inventory")
    database = f"faults_{run}_inventory"
    names = {
        "run": run,
        "exchange": f"faults-{run}.events",
        "queue": f"faults-{run}.inventory.events",
        "dlq": f"faults-{run}.inventory.dlq",
        "tasks": f"faults-{run}.inventory.tasks",
    }
    base_url = os.environ["DATABASE_URL"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        STRANGLER_VAR_DIR=str(var),
        INVENTORY_DATABASE_URL=_conninfo(base_url, database),
        EVENTS_EXCHANGE=names["exchange"],
        INVENTORY_EVENTS_QUEUE=names["queue"],
        INVENTORY_EVENTS_DLQ=names["dlq"],
        INVENTORY_TASK_QUEUE=names["tasks"],
        EVENTS_BATCH_SIZE=str(BATCH),
    )
    rig = InventoryRig(env=env, var=var, db=_conninfo(base_url, database), names=names)
    try:
        _run([*MANAGE, "ensure_database"], env)
        _run([*MANAGE, "migrate", "--noinput"], env)
        _run([*MANAGE, "events_declare"], env)
        holds = "; ".join(
            f"stock_set(sku='S{i}', on_hand=3); stock_reserve(order_id={i}, lines=[('S{i}', 2)])"
            for i in ORDERS
        )
        _run(
            [
                *MANAGE,
                *("shell", "-c"),
                f"from extracted.inventory.stock.services import *; {holds}",
            ],
            env,
        )
        yield rig
    finally:
        with Connection(env["CELERY_BROKER_URL"]) as connection:
            channel = connection.default_channel
            for key in ("queue", "dlq", "tasks"):
                channel.queue_delete(names[key])  # type: ignore[attr-defined]
            for key in ("exchange", "tasks"):
                channel.exchange_delete(names[key])  # type: ignore[attr-defined]
        with psycopg.connect(_conninfo(base_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _paid(order_id: int) -> dict[str, Any]:
    line = {"sku": f"S{order_id}", "name": "Mug", "quantity": 2, "unit_price": "5.00"}
    return Event(
        type="order.paid",
        source="tests.faults",
        data={
            "order_id": order_id,
            "customer_id": 42,
            "customer_email": "ada@example.com",
            "customer_name": "Ada Lovelace",
            "payment_id": order_id,
            "total": "10.00",
            "currency": "EUR",
            "lines": [line],
            "paid_at": "2025-01-02T03:04:05Z",
        },
    ).to_dict()


def test_an_inventory_worker_killed_mid_batch_loses_nothing(inventory: InventoryRig) -> None:
    rig = inventory
    events = [_paid(order_id) for order_id in ORDERS]
    with psycopg.connect(rig.db) as lock:
        lock.execute(
            "SELECT 1 FROM inventory_stockitem WHERE sku = %s FOR UPDATE", (f"S{BLOCKED}",)
        )
        first_group, first = rig.start_worker("inventory-worker-1")
        try:
            publisher = EventPublisher(
                url=rig.env["CELERY_BROKER_URL"], exchange=rig.names["exchange"]
            )
            try:
                for envelope in events:
                    publisher.publish(envelope)
            finally:
                publisher.close()
            wait_until("a batch stopped on the locked row", rig.waiting_on_a_lock, deadline=60)
            committed_at_kill = rig.committed()

            os.killpg(first.popen.pid, 9)  # type: ignore[union-attr]  # SIGKILL: nothing acked
            first.popen.wait(10)  # type: ignore[union-attr]
        finally:
            first_group.stop()
        lock.rollback()  # the row is free again

    second_group, _ = rig.start_worker("inventory-worker-2")
    try:
        wait_until("all 40 orders committed", lambda: rig.committed() == len(ORDERS))
    finally:
        second_group.stop()

    assert committed_at_kill < len(ORDERS)
    levels = set(rig.query("SELECT on_hand, reserved FROM inventory_stockitem"))
    assert levels == {(1, 0)}, levels  # 3 on hand, 2 committed: once per order
    [(processed,)] = rig.query("SELECT count(*) FROM events_processedmessage")
    assert processed == len(ORDERS)
    [(announced,)] = rig.query(
        "SELECT count(*) FROM inventory_outbox_outboxmessage WHERE event_type = 'stock.committed'"
    )
    assert announced == len(ORDERS)

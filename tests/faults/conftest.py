"""Fault tests: real worker and relay processes on the real RabbitMQ and PostgreSQL.

Each run gets its own databases (the monolith's and the notifications service's), its own
topic exchange and queues (deleted afterwards; nothing else on the shared broker is touched).
Every process is started in its own session and stopped (or SIGKILLed) by pid. Waiting is
polling with a deadline; a deadline that passes names what did not happen.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kombu import Connection

from strangler.config import REPO_ROOT
from strangler.events.broker import EventPublisher
from strangler.stages.processes import (
    Process,
    ProcessGroup,
    free_port,
    ready_when_http_ok,
    ready_when_log_contains,
)
from strangler.testing import eventually

REAL_ENGINES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "CELERY_BROKER_URL", ""
).startswith("amqp")
MANAGE = (sys.executable, "manage.py")
SERVICE_MANAGE = (sys.executable, "extracted/notifications/manage.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


def wait_until(what: str, predicate: Callable[[], bool], deadline: float = 60.0) -> None:
    eventually(predicate, what, deadline=deadline, poll=0.1)


def _run(argv: Iterable[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        list(argv), cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Rig:
    """The monolith's outbox and the notifications service, wired to one private exchange."""

    env: dict[str, str]
    var: Path
    monolith_db: str
    service_db: str
    names: dict[str, str]
    groups: list[ProcessGroup] = field(default_factory=list)
    _workers: int = 0

    # --- processes ------------------------------------------------------------------------

    def _group(self, **env: str) -> ProcessGroup:
        group = ProcessGroup(log_dir=self.var / "logs", env={**self.env, **env}, cwd=REPO_ROOT)
        self.groups.append(group)
        return group

    def start_worker(self, concurrency: int = 2, batch_size: int | None = None) -> Process:
        """The notifications worker; ``batch_size`` overrides ``EVENTS_BATCH_SIZE``."""
        self._workers += 1
        name = f"worker-{self._workers}"
        group = self._group(**({"EVENTS_BATCH_SIZE": str(batch_size)} if batch_size else {}))
        process = group.start(
            name,
            [
                *(sys.executable, "-m", "celery", "-A", "extracted.notifications.service"),
                *("worker", "--loglevel", "INFO", "--concurrency", str(concurrency)),
                *("--hostname", f"{name}-{self.names['run']}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            ready_when_log_contains(" ready."),
        )
        group.wait_ready(deadline_seconds=60)
        return process

    def start_relay(self, broker_url: str | None = None) -> Process:
        group = ProcessGroup(
            log_dir=self.var / "logs",
            env={**self.env, **({"CELERY_BROKER_URL": broker_url} if broker_url else {})},
            cwd=REPO_ROOT,
        )
        self.groups.append(group)
        process = group.start(
            f"relay-{len(self.groups)}",
            [*MANAGE, "outbox_relay", "--interval", "0.05", "--backoff-max", "0.5"],
            ready_when_log_contains("outbox relay ready"),
        )
        group.wait_ready(deadline_seconds=60)
        return process

    def start_flower(self) -> str:
        """Flower on the rig's broker, watching the workers' task events; its base URL."""
        port = free_port()
        group = self._group(FLOWER_UNAUTHENTICATED_API="true")
        group.start(
            "flower",
            [
                *(sys.executable, "-m", "celery", "-A", "extracted.notifications.service"),
                *("flower", "--address=127.0.0.1", f"--port={port}", "--persistent=False"),
            ],
            ready_when_http_ok(f"http://127.0.0.1:{port}/healthcheck"),
        )
        group.wait_ready(deadline_seconds=60)
        return f"http://127.0.0.1:{port}"

    @staticmethod
    def kill(process: Process) -> None:
        """SIGKILL the process and its children: no shutdown, no acks, nothing flushed."""
        assert process.popen is not None
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(10)

    def stop_all(self) -> None:
        for group in self.groups:
            group.stop()
        self.groups.clear()

    # --- producing ------------------------------------------------------------------------

    def place_orders(self, count: int) -> list[int]:
        """Real paid checkouts in a monolith process; their events go to the outbox."""
        return list(
            json.loads(_run([sys.executable, "-m", "tests.faults.shop", str(count)], self.env))
        )

    def publish(self, envelopes: Iterable[dict[str, Any]], *, copies: int = 1) -> None:
        publisher = EventPublisher(
            url=self.env["CELERY_BROKER_URL"], exchange=self.names["exchange"]
        )
        try:
            for envelope in envelopes:
                for _ in range(copies):
                    publisher.publish(envelope)
        finally:
            publisher.close()

    # --- observing ------------------------------------------------------------------------

    def service_query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.service_db) as db:
            return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def monolith_query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.monolith_db) as db:
            return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def notifications(self, order_ids: Iterable[int]) -> list[tuple[int, str, str]]:
        return [
            (row[0], row[1], row[2])
            for row in self.service_query(
                "SELECT order_id, kind, status FROM notifications_notification "
                "WHERE order_id = ANY(%s) ORDER BY order_id",
                list(order_ids),
            )
        ]

    def processed(self, event_ids: Iterable[str]) -> int:
        ids = [uuid.UUID(e) for e in event_ids]
        [(count,)] = self.service_query(
            "SELECT count(*) FROM events_processedmessage WHERE event_id = ANY(%s)", ids
        )
        return int(count)

    def emails(self) -> list[str]:
        """The idempotency key of every e-mail written, one entry per message (repeats kept)."""
        keys: list[str] = []
        folder = Path(self.env["NOTIFICATIONS_EMAIL_FILE_PATH"])
        for path in sorted(folder.glob("*")) if folder.exists() else []:
            keys += re.findall(r"^X-Idempotency-Key: (\S+)$", path.read_text(), re.MULTILINE)
        return keys

    @staticmethod
    def outcomes(worker: Process) -> Counter[tuple[str, str]]:
        """(event id, outcome) -> how many deliveries the worker logged with that outcome."""
        found = re.findall(_OUTCOME, worker.log_path.read_text(errors="replace"))
        return Counter((event_id, outcome) for event_id, outcome in found)

    def queue_depth(self, queue: str) -> int:
        with Connection(self.env["CELERY_BROKER_URL"]) as connection:
            _, count, _ = connection.default_channel.queue_declare(queue, passive=True)  # type: ignore[attr-defined]
            return int(count)

    def dead_letters(self) -> list[dict[str, Any]]:
        """Take every message out of the service's DLQ."""
        found = []
        with Connection(self.env["CELERY_BROKER_URL"]) as connection:
            channel = connection.default_channel
            while (message := channel.basic_get(self.names["dlq"], no_ack=True)) is not None:  # type: ignore[attr-defined]
                found.append(json.loads(message.body))
        return found


# The consumer's line per delivery: "<consumer>: <type> <event id> <outcome>"
_OUTCOME = re.compile(
    r": [a-z_.]+ ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) "
    r"(applied|duplicate|retrying|dead-lettered|ignored)\b"
)


def _conninfo(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if not REAL_ENGINES:
        pytest.skip("fault tests run on PostgreSQL + RabbitMQ (DATABASE_URL, CELERY_BROKER_URL)")
    run = uuid.uuid4().hex[:8]
    var = tmp_path_factory.mktemp("faults-var")
    base_url = os.environ["DATABASE_URL"]
    monolith = f"faults_{run}"
    service = f"{monolith}_notifications"
    names = {
        "run": run,
        "exchange": f"faults-{run}.events",
        "queue": f"faults-{run}.notifications.events",
        "dlq": f"faults-{run}.notifications.dlq",
        "tasks": f"faults-{run}.notifications.tasks",
        "monolith_queue": f"faults-{run}.monolith",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        STRANGLER_VAR_DIR=str(var),
        DATABASE_URL=_conninfo(base_url, monolith),
        EVENTS_EXCHANGE=names["exchange"],
        NOTIFICATIONS_EVENTS_QUEUE=names["queue"],
        NOTIFICATIONS_EVENTS_DLQ=names["dlq"],
        NOTIFICATIONS_TASK_QUEUE=names["tasks"],
        CELERY_TASK_DEFAULT_QUEUE=names["monolith_queue"],
        ORDERS_EVENTS_ADAPTER="monolith.orders.outbox.adapters.OutboxEvents",
        EVENTS_MAX_RETRIES="2",
        EVENTS_RETRY_BACKOFF="0.05",
        EVENTS_RETRY_BACKOFF_MAX="0.5",
        NOTIFICATIONS_EMAIL_BACKEND="tests.faults.backends.SlowFileBackend",
        NOTIFICATIONS_EMAIL_FILE_PATH=str(var / "mail"),
        FAULTS_MAIL_GATE=str(var / "mail-gate" / "closed"),  # see backends.SlowFileBackend
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    admin = _conninfo(base_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{monolith}"')
    rig = Rig(
        env=env,
        var=var,
        monolith_db=_conninfo(base_url, monolith),
        service_db=_conninfo(base_url, service),
        names=names,
    )
    try:
        _run([*MANAGE, "migrate", "--noinput"], env)
        _run([*SERVICE_MANAGE, "ensure_database"], env)
        _run([*SERVICE_MANAGE, "migrate", "--noinput"], env)
        _run([*SERVICE_MANAGE, "events_declare"], env)
        yield rig
    finally:
        rig.stop_all()
        with Connection(env["CELERY_BROKER_URL"]) as connection:
            channel = connection.default_channel
            for key in ("queue", "dlq", "tasks", "monolith_queue"):
                channel.queue_delete(names[key])  # type: ignore[attr-defined]
            # Celery declares a direct exchange named after each queue it routes to by name
            for key in ("exchange", "tasks", "monolith_queue"):
                channel.exchange_delete(names[key])  # type: ignore[attr-defined]
        with psycopg.connect(admin, autocommit=True) as conn:
            for database in (monolith, service):
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def processes(rig: Rig) -> Iterator[Rig]:
    """The rig, with every process a test started stopped after it."""
    try:
        yield rig
    finally:
        rig.stop_all()

"""``stage restart monolith`` while clients keep calling: zero failed requests.

Real processes as a user runs them: ``python -m strangler stage up 1`` in one process (the
gateway in front of two monolith replicas), ``python -m strangler stage restart monolith`` from
another, and client threads with keep-alive sessions calling public and signed-in endpoints
through the gateway the whole time. Every reply must be a 2xx; a failure is listed with its
request, status and when it happened relative to the restart's progress.

On the real engines (``DATABASE_URL`` at PostgreSQL, ``CELERY_BROKER_URL`` at RabbitMQ) the
stage gets a database and a queue of its own, dropped afterwards; without them the embedded
defaults in a temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
from kombu import Connection

from strangler.config import REPO_ROOT
from strangler.stages.manifest import get_stage
from strangler.stages.processes import free_port, http_ok
from strangler.stages.state import StageState
from strangler.testing import eventually

CLIENTS = 6
# Each client paces itself so the load stays under the stage-1 table's default rate limit
# (50/s per route and client address: every client here is 127.0.0.1): a 429 is a failure.
PAUSE = 0.25
DEMO = {"email": "demo@example.com", "password": "demo-password-1"}


@dataclass
class Stage1:
    runner: subprocess.Popen[str]
    env: dict[str, str]
    ports: dict[str, int]
    log: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def state(self) -> StageState:
        state = StageState.read(Path(self.env["STRANGLER_VAR_DIR"]) / "stage-up.json")
        assert state is not None, "the state file of `stage up` is gone"
        return state


@pytest.fixture
def stage_1(tmp_path: Path) -> Iterator[Stage1]:
    run_id = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        STRANGLER_VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        CELERY_TASK_DEFAULT_QUEUE=f"e2e-rr-{run_id}",
    )
    database_url = env.get("DATABASE_URL", "")
    database = f"e2e_rr_{run_id}"
    if database_url.startswith("postgres"):  # `stage up` creates it
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + f"/{database}"
    ports = {name: free_port() for name in get_stage(1).port_names if name != "flower"}
    argv = [sys.executable, "-m", "strangler", "stage", "up", "1", "--no-optional"]
    for name, port in ports.items():
        argv += ["--port", f"{name}={port}"]
    log_path = tmp_path / "up.log"
    log = log_path.open("w")
    runner = subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    state_file = tmp_path / "var" / "stage-up.json"
    try:
        deadline = time.monotonic() + 300
        while not (state_file.exists() and "Supervising" in log_path.read_text()):
            if runner.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"stage up 1 did not come up:\n{log_path.read_text()[-5000:]}")
            time.sleep(0.2)
        yield Stage1(runner=runner, env=env, ports=ports, log=log_path)
    finally:
        state = StageState.read(state_file) if state_file.exists() else None
        if runner.poll() is None:
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(timeout=90)
            except subprocess.TimeoutExpired:
                runner.kill()
        for leftover in state.processes if state else []:
            if leftover.running():
                os.killpg(leftover.pid, signal.SIGKILL)
        log.close()
        if database_url.startswith("postgres"):
            admin = database_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        broker_url = env.get("CELERY_BROKER_URL", "")
        if broker_url.startswith("amqp"):
            queue = env["CELERY_TASK_DEFAULT_QUEUE"]
            with Connection(broker_url) as conn:
                channel = conn.default_channel
                channel.queue_delete(queue)  # type: ignore[attr-defined]
                channel.exchange_delete(queue)  # type: ignore[attr-defined]  # Celery's own


@dataclass
class Load:
    """Client threads, each with a keep-alive session, calling until told to stop."""

    base: str
    token: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def client(self, number: int) -> None:
        calls = [
            ("/api/v1/products", {}),
            ("/api/v1/categories", {}),
            ("/api/v1/orders", {"Authorization": f"Bearer {self.token}"}),
        ]
        with requests.Session() as session:
            while not self.stop.is_set():
                for path, headers in calls:
                    at = time.monotonic() - self.started
                    try:
                        reply = session.get(f"{self.base}{path}", headers=headers, timeout=30)
                        outcome = str(reply.status_code)
                        failed = not 200 <= reply.status_code < 300
                        detail = reply.text[:300]
                    except requests.RequestException as exc:
                        outcome, failed, detail = type(exc).__name__, True, str(exc)[:300]
                    with self.lock:
                        self.counts[path, outcome] += 1
                        if failed:
                            self.failures.append(
                                f"client {number} GET {path} at {at:.2f}s -> {outcome}: {detail}"
                            )
                self.stop.wait(PAUSE)

    def start(self, clients: int) -> None:
        for number in range(clients):
            thread = threading.Thread(target=self.client, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_a_rolling_restart_under_load_fails_no_request(stage_1: Stage1) -> None:
    before = {p.name: p.pid for p in stage_1.state().processes}
    login = requests.post(f"{stage_1.gateway}/api/v1/auth/token", json=DEMO, timeout=30)
    assert login.status_code == 200, login.text
    load = Load(base=stage_1.gateway, token=login.json()["access"])
    load.start(CLIENTS)
    try:
        eventually(lambda: load.total() >= 3 * CLIENTS, "every client under way", deadline=60)
        started = time.monotonic() - load.started
        restart = subprocess.run(
            [sys.executable, "-m", "strangler", "stage", "restart", "monolith"],
            cwd=REPO_ROOT,
            env=stage_1.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        finished = time.monotonic() - load.started
        settled = load.total()
        eventually(
            lambda: load.total() >= settled + 3 * CLIENTS, "clients served after it", deadline=60
        )
    finally:
        load.finish()

    print(f"\nrestart ran from {started:.2f}s to {finished:.2f}s of the load")
    print(restart.stdout, restart.stderr)
    print("requests by path and outcome:")
    for (path, outcome), count in sorted(load.counts.items()):
        print(f"  {path:24} {outcome:>22} {count}")
    print(f"runner log (tail):\n{stage_1.log.read_text()[-3000:]}")
    assert restart.returncode == 0, (
        f"stage restart monolith failed:\n{restart.stdout}{restart.stderr}"
    )
    assert not load.failures, f"{len(load.failures)} failed requests:\n" + "\n".join(
        load.failures[:30]
    )

    after = {p.name: p for p in stage_1.state().processes}
    for name in ("monolith", "monolith-2"):
        assert after[name].pid != before[name], f"{name} was not restarted"
        assert after[name].running(), f"{name} (pid {after[name].pid}) is not running"
        assert after[name].restarts == 0, f"the supervisor counted {name}'s restart as a failure"
    assert after["gateway"].pid == before["gateway"]
    assert "[supervisor]" not in stage_1.log.read_text(), "the supervisor stepped in"
    assert http_ok(f"{stage_1.gateway}/health/ready")
    assert requests.get(f"{stage_1.gateway}/api/v1/products", timeout=10).status_code == 200

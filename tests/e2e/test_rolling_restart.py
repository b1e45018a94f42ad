"""``stage restart monolith`` while clients keep calling: zero failed requests.

Real processes as a user runs them: ``python -m strangler stage up`` in one process (the
gateway in front of two monolith replicas: stage 1, or on a later stage's tag that stage),
``python -m strangler stage restart monolith`` from another, and client threads with keep-alive
sessions calling public and signed-in endpoints through the gateway the whole time. Every reply
must be a 2xx; a failure is listed with its request, status and when it happened relative to
the restart's progress.

On the real engines (``DATABASE_URL`` at PostgreSQL, ``CELERY_BROKER_URL`` at RabbitMQ) the
stage gets databases, queues and exchanges of its own, as the e2e harness gives every stage it
starts, dropped afterwards; without them the embedded defaults in a temporary folder.
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

import pytest
import requests

from strangler.config import REPO_ROOT
from strangler.stages.manifest import first_stage_here
from strangler.stages.processes import free_port, http_ok
from strangler.stages.state import StageState
from strangler.testing import eventually
from tests.e2e.conftest import _base_env, _Engines

# The first stage with two monolith replicas behind the gateway that this checkout runs.
STAGE = first_stage_here(1)

CLIENTS = 6
# Each client paces itself so the load stays under the route tables' default rate limit
# (50/s per route and client address: every client here is 127.0.0.1): a 429 is a failure.
PAUSE = 0.25
DEMO = {"email": "demo@example.com", "password": "demo-password-1"}


@dataclass
class StageUp:
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
def stage_up(tmp_path: Path) -> Iterator[StageUp]:
    run_id = f"{uuid.uuid4().hex[:8]}_rr"
    var = tmp_path / "var"
    env = _base_env(var, run_id)
    env.pop("DJANGO_SETTINGS_MODULE")  # `stage up` sets it per process
    engines = _Engines()
    engines.provision(env, run_id, STAGE, tmp_path)
    ports = {name: free_port() for name in (*STAGE.port_names, "control-room") if name != "flower"}
    argv = [sys.executable, "-m", "strangler", "stage", "up", str(STAGE.number), "--no-optional"]
    for name, port in ports.items():
        argv += ["--port", f"{name}={port}"]
    log_path = tmp_path / "up.log"
    log = log_path.open("w")
    runner = subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    state_file = var / "stage-up.json"
    try:
        deadline = time.monotonic() + 300
        while not (state_file.exists() and "Supervising" in log_path.read_text()):
            if runner.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"stage up {STAGE.number} did not come up:\n{log_path.read_text()[-5000:]}"
                )
            time.sleep(0.2)
        yield StageUp(runner=runner, env=env, ports=ports, log=log_path)
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
        engines.drop_all()


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


def test_a_rolling_restart_under_load_fails_no_request(stage_up: StageUp) -> None:
    before = {p.name: p.pid for p in stage_up.state().processes}
    login = requests.post(f"{stage_up.gateway}/api/v1/auth/token", json=DEMO, timeout=30)
    assert login.status_code == 200, login.text
    load = Load(base=stage_up.gateway, token=login.json()["access"])
    load.start(CLIENTS)
    try:
        eventually(lambda: load.total() >= 3 * CLIENTS, "every client under way", deadline=60)
        started = time.monotonic() - load.started
        restart = subprocess.run(
            [sys.executable, "-m", "strangler", "stage", "restart", "monolith"],
            cwd=REPO_ROOT,
            env=stage_up.env,
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
    print(f"runner log (tail):\n{stage_up.log.read_text()[-3000:]}")
    assert restart.returncode == 0, (
        f"stage restart monolith failed:\n{restart.stdout}{restart.stderr}"
    )
    assert not load.failures, f"{len(load.failures)} failed requests:\n" + "\n".join(
        load.failures[:30]
    )

    after = {p.name: p for p in stage_up.state().processes}
    for name in ("monolith", "monolith-2"):
        assert after[name].pid != before[name], f"{name} was not restarted"
        assert after[name].running(), f"{name} (pid {after[name].pid}) is not running"
        assert after[name].restarts == 0, f"the supervisor counted {name}'s restart as a failure"
    assert after["gateway"].pid == before["gateway"]
    assert "[supervisor]" not in stage_up.log.read_text(), "the supervisor stepped in"
    assert http_ok(f"{stage_up.gateway}/health/ready")
    assert requests.get(f"{stage_up.gateway}/api/v1/products", timeout=10).status_code == 200

"""Self-healing with real processes: a process that stops answering its liveness probe, or
exits, is restarted by the stage runner's supervisor with the same argv and port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.launcher import argv_of, fill, process_env, readiness, stage_env
from strangler.stages.manifest import first_stage_here
from strangler.stages.processes import ProcessGroup, free_port, http_ok, ready_when_http_ok
from strangler.stages.supervisor import Policy, Supervisor

# A tiny single-threaded HTTP server: /health/live blocks forever while HANG_FILE exists, as a
# process whose main thread is stuck in a deadlock would.
HANGING_SERVER = """
import os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
hang_file = sys.argv[2]
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        while os.path.exists(hang_file):
            time.sleep(0.05)
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
print("serving", os.getpid(), flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

# The monolith of the first stage this checkout runs: stage 0 on main, on a later stage's tag
# that stage's (the supervisor is the same at every stage).
STAGE = first_stage_here(0)
FAST = Policy(interval=0.2, timeout=0.5, failures=3, startup_grace=30.0)


def tick_until(
    supervisor: Supervisor, condition: Callable[[], bool], what: str, deadline: float = 60.0
) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            tails = {p.name: p.log_tail(10) for p in supervisor.group.processes}
            pytest.fail(f"{what}: not seen within {deadline:.0f}s; logs: {tails}")
        supervisor.tick()
        time.sleep(supervisor.policy.interval)


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    group = ProcessGroup(log_dir=tmp_path / "logs", env=env, cwd=REPO_ROOT)
    try:
        yield group
    finally:
        group.stop(grace_seconds=5)


def test_a_process_whose_liveness_probe_hangs_is_restarted(
    group: ProcessGroup, tmp_path: Path
) -> None:
    port, hang = free_port(), tmp_path / "hang"
    live = f"http://127.0.0.1:{port}/health/live"
    argv = [sys.executable, "-c", HANGING_SERVER, str(port), str(hang)]
    process = group.start("hangs", argv, ready_when_http_ok(live))
    group.wait_ready(deadline_seconds=30)
    messages: list[str] = []
    supervisor = Supervisor(group, {"hangs": live}, policy=FAST, log=messages.append)
    first_pid = process.pid

    hang.touch()
    tick_until(supervisor, lambda: process.restarts == 1, "restart of 'hangs'")
    hang.unlink()

    assert process.pid != first_pid
    assert any("restarted hangs after 3 failed liveness probes" in m for m in messages), messages
    group.wait_ready(deadline_seconds=30)
    assert http_ok(live), f"'hangs' (pid {process.pid}) does not answer {live} after its restart"


def test_a_process_that_exits_is_restarted_and_a_crash_loop_is_given_up(
    group: ProcessGroup,
) -> None:
    process = group.start("crashes", [sys.executable, "-c", "raise SystemExit(3)"], lambda p: True)
    messages: list[str] = []
    policy = Policy(interval=0.05, backoff=0.01, backoff_max=0.05, max_restarts=5, window=600)
    supervisor = Supervisor(group, {"crashes": None}, policy=policy, log=messages.append)

    tick_until(supervisor, lambda: bool(supervisor.given_up()), "giving up on 'crashes'")

    assert process.restarts == 5
    assert supervisor.given_up() == ["crashes"]
    assert any("exited with code 3" in m for m in messages), messages
    assert any("gave up on crashes: 5 restarts within 600s" in m for m in messages), messages


def test_a_stopped_monolith_is_restarted_on_the_same_port(
    group: ProcessGroup, tmp_path: Path
) -> None:
    """The real thing: gunicorn serving the shop, every process of it frozen (SIGSTOP)."""
    var = tmp_path / "var"
    embedded = {
        k: v for k, v in group.env.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env = stage_env(
        STAGE,
        {
            **embedded,
            "DJANGO_SETTINGS_MODULE": "monolith.shop.settings",
            "STRANGLER_VAR_DIR": str(var),
        },
    )
    group.env = env
    # the set-up up to the monolith's migrate (from stage 5 the secret store comes first: the
    # monolith reads its SECRET_KEY there)
    migrate = next(i for i, step in enumerate(STAGE.setup) if step[1:3] == ("manage.py", "migrate"))
    for step in STAGE.setup[: migrate + 1]:
        argv = fill(step, var=var, ports={})
        done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(argv[1:])} failed:\n{done.stderr[-3000:]}"
    spec = STAGE.process("monolith")
    ports = {"monolith": free_port()}
    live = f"http://127.0.0.1:{ports['monolith']}{spec.live_path}"
    process = group.start(
        "monolith", argv_of(spec, ports, var), readiness(spec, ports), env=process_env(spec, var)
    )
    group.wait_ready(deadline_seconds=60)
    messages: list[str] = []
    supervisor = Supervisor(group, {"monolith": live}, policy=FAST, log=messages.append)
    first_pid = process.pid
    assert first_pid is not None

    os.killpg(first_pid, signal.SIGSTOP)  # the arbiter and every worker: nothing answers
    tick_until(supervisor, lambda: process.restarts == 1, "restart of the monolith")

    assert process.pid != first_pid
    assert any("restarted monolith after 3 failed liveness probes" in m for m in messages)
    group.wait_ready(deadline_seconds=60)
    assert http_ok(live), f"monolith (pid {process.pid}) does not answer {live} after restart"

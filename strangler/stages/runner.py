"""``stage up``, ``stage check`` and ``stage down``: run a stage in the foreground, look at it
from another shell, stop it by pid."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from strangler.config import REPO_ROOT, var_dir
from strangler.console import progress, table
from strangler.stages.control import ControlServer, Emit, send
from strangler.stages.launcher import (
    RunningStage,
    processes_to_start,
    require_free_ports,
    run_setup,
    start,
)
from strangler.stages.manifest import DEFAULT_PORTS, ProcessSpec, Stage
from strangler.stages.processes import Process, ProcessFailed, http_ok, tcp_open
from strangler.stages.rolling import RESULT_HEADERS, RollingRestart
from strangler.stages.state import (
    ProcessState,
    StageState,
    control_path,
    start_time,
    state_path,
    stop_pid,
)
from strangler.stages.supervisor import Policy, Supervisor


class Stopped(Exception):
    """SIGINT or SIGTERM reached ``stage up``."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped


@dataclass(frozen=True)
class UpOptions:
    ports: Mapping[str, int]
    with_optional: bool = True
    policy: Policy = field(default_factory=Policy)
    ready_deadline: float = 120.0
    exit_when_ready: bool = False


def ports_for(stage: Stage, overrides: Mapping[str, int], *, with_optional: bool) -> dict[str, int]:
    names = {p.port_name for p in processes_to_start(stage, with_optional=with_optional)}
    return {name: overrides.get(name, DEFAULT_PORTS[name]) for name in sorted(names - {""})}


def ensure_databases(env: Mapping[str, str]) -> None:
    """Create the PostgreSQL database of every ``*DATABASE_URL`` that does not exist yet."""
    for key, url in env.items():
        if not key.endswith("DATABASE_URL") or not url.startswith("postgres"):
            continue
        base, name = url.split("?", 1)[0].rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                progress(f"setup: create database {name}")
                conn.execute(f'CREATE DATABASE "{name}"')


def up(stage: Stage, options: UpOptions) -> int:
    """Set up, start, wait for readiness, print the URLs, supervise until Ctrl-C."""
    previous = StageState.read()
    if previous is not None and previous.runner_running():
        print(
            f"stage {previous.stage} is already up (runner pid {previous.runner_pid}); "
            "run `python -m strangler stage down` first",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "monolith.shop.settings"}
    env.setdefault("PYTHONUNBUFFERED", "1")
    var = var_dir(f"stage-{stage.number}")
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGINT, _raise_stopped)
    running: RunningStage | None = None
    control: ControlServer | None = None
    supervisor: Supervisor | None = None
    stopping = threading.Event()
    try:
        require_free_ports(options.ports)
        ensure_databases(env)
        run_setup(stage, env, var, progress)
        running = start(
            stage,
            ports=options.ports,
            env=env,
            var=var,
            progress=progress,
            ready_deadline=options.ready_deadline,
            with_optional=options.with_optional,
        )
        state = _state(running, var)
        if options.exit_when_ready:
            state.write()
            _print_up(stage, running)
            return 0
        supervisor = Supervisor(
            running.group,
            live_urls(running),
            policy=options.policy,
            log=lambda message: print(f"[supervisor] {message}", flush=True),
            on_restart=lambda process: _record_restart(state, process),
        )
        control = _control(running, state, var, supervisor, stopping)
        control.start()
        state.write()
        _print_up(stage, running)
        print(
            "\nSupervising (liveness every "
            f"{options.policy.interval:g}s). Ctrl-C or `python -m strangler stage down` stops."
            + (
                "\nRolling restart from another shell: python -m strangler stage restart "
                + " | ".join(_upstreams(stage))
                if _upstreams(stage)
                else ""
            ),
            flush=True,
        )
        supervisor.run(should_stop=lambda: False)
        return 0
    except Stopped:
        print("\nstopping ...", flush=True)
        return 0
    except ProcessFailed as exc:
        print(f"\nstage {stage.number} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        if supervisor is not None:
            with supervisor.lock:  # a rolling restart starts nothing after this
                stopping.set()
        if control is not None:
            control.close()
        if running is not None:
            running.stop()
        current = StageState.read()
        if current is not None and current.runner_pid == os.getpid():
            state_path().unlink(missing_ok=True)


def _print_up(stage: Stage, running: RunningStage) -> None:
    print(f"\n== {stage.tag} is up: {stage.title}\n")
    print(table(["what", "where"], url_rows(stage, running)), flush=True)


def _upstreams(stage: Stage) -> list[str]:
    """The upstreams with more than one instance: what ``stage restart`` can roll."""
    names = dict.fromkeys(p.upstream for p in stage.processes if p.upstream)
    return [name for name in names if len(stage.instances(name)) > 1]


def _control(
    running: RunningStage,
    state: StageState,
    var: Path,
    supervisor: Supervisor,
    stopping: threading.Event,
) -> ControlServer:
    """The runner's control channel; ``restart`` runs a :class:`RollingRestart`."""

    def on_respawn(process: Process) -> None:
        with supervisor.lock:  # the supervisor writes the state file under it too
            _record_restart(state, process)

    def handle(request: dict[str, Any], emit: Emit) -> dict[str, Any]:
        if request.get("command") != "restart":
            return {"ok": False, "error": f"unknown command {request.get('command')!r}"}
        upstream = str(request.get("upstream", ""))

        def log(message: str) -> None:
            print(f"[restart] {message}", flush=True)
            emit({"log": message})

        restarter = RollingRestart(
            stage=running.stage,
            group=running.group,
            ports=state.ports,
            var=var,
            hold=supervisor.hold,
            lock=supervisor.lock,
            on_respawn=on_respawn,
            stopping=stopping,
            deadline=float(request.get("deadline") or 60.0),
        )
        results = restarter.run(upstream, log)
        return {
            "ok": all(r.new_pid and not r.error for r in results),
            "upstream": upstream,
            "rows": [list(r.row()) for r in results],
        }

    state.control = str(control_path())
    return ControlServer(control_path(), handle)


def restart(upstream: str, deadline: float) -> int:
    """``stage restart``: ask the running ``stage up`` for a rolling restart, show its progress."""
    state = StageState.read()
    if state is None or not state.runner_running():
        print("no `stage up` is running here (no live state file)", file=sys.stderr)
        return 1
    if not state.control or not Path(state.control).exists():
        print(f"the runner (pid {state.runner_pid}) has no control channel", file=sys.stderr)
        return 1
    print(f"rolling restart of {upstream} (stage {state.stage}, runner pid {state.runner_pid})")
    result: dict[str, Any] = {"ok": False, "error": "the runner closed the channel"}
    for message in send(
        Path(state.control), {"command": "restart", "upstream": upstream, "deadline": deadline}
    ):
        if "log" in message:
            progress(str(message["log"]))
        elif "result" in message:
            result = message["result"]
    if result.get("rows"):
        print()
        print(table(RESULT_HEADERS, result["rows"]))
    if not result.get("ok"):
        print(
            f"\nrolling restart of {upstream} failed: {result.get('error', 'see above')}",
            file=sys.stderr,
        )
        return 1
    print(f"\n{upstream}: every instance restarted, one at a time, each drained before it stopped")
    return 0


def live_urls(running: RunningStage) -> dict[str, str | None]:
    urls: dict[str, str | None] = {}
    for process in running.group.processes:
        spec = running.stage.process(process.name)
        urls[process.name] = (
            f"{running.urls[spec.port_name]}{spec.live_path}" if spec.live_path else None
        )
    return urls


def url_rows(stage: Stage, running: RunningStage) -> list[tuple[str, str]]:
    started = {p.name for p in running.group.processes}
    rows = []
    for spec in (s for s in stage.processes if s.name in started):
        rows += [(label, f"{running.urls[spec.port_name]}{path}") for label, path in spec.urls]
    rows.append(("process logs", _short(running.group.log_dir)))
    rows.append(("demo customer", "demo@example.com / demo-password-1"))
    return rows


def _short(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _state(running: RunningStage, var: Path) -> StageState:
    state = StageState(
        stage=running.stage.number,
        tag=running.stage.tag,
        runner_pid=os.getpid(),
        runner_started=start_time(os.getpid()),
        var=str(var),
        ports={name: int(url.rsplit(":", 1)[1]) for name, url in running.urls.items()},
    )
    state.processes = [
        _process_state(running.stage.process(p.name), p, state) for p in running.group.processes
    ]
    return state


def _process_state(spec: ProcessSpec, process: Process, state: StageState) -> ProcessState:
    assert process.pid is not None
    return ProcessState(
        name=process.name,
        pid=process.pid,
        started=start_time(process.pid),
        port=state.ports.get(spec.port_name),
        ready=spec.ready,
        ready_path=spec.ready_path if spec.ready == "http" else spec.ready_text,
        live_path=spec.live_path,
        log=str(process.log_path),
        restarts=process.restarts,
    )


def _record_restart(state: StageState, process: Process) -> None:
    for entry in state.processes:
        if entry.name == process.name and process.pid is not None:
            entry.pid, entry.started = process.pid, start_time(process.pid)
            entry.restarts = process.restarts
    state.write()


def check_rows(stage: Stage, state: StageState | None) -> tuple[list[tuple[object, ...]], bool]:
    """One row per process: pid, alive, live, ready, restarts; and whether all are ready."""
    entries = {p.name: p for p in state.processes} if state and state.stage == stage.number else {}
    rows: list[tuple[object, ...]] = []
    healthy = True
    for spec in stage.processes:
        entry = entries.get(spec.name)
        port = entry.port if entry else DEFAULT_PORTS.get(spec.port_name)
        if entry is None and state is not None and spec.optional:
            continue
        alive = entry.running() if entry else None
        live = _probe(port, spec.live_path) if spec.live_path and port else None
        ready = _ready(spec, port, entry)
        healthy &= ready is not False and alive is not False
        rows.append(
            (
                spec.name,
                entry.pid if entry else "-",
                port or "-",
                _yes_no(alive),
                _yes_no(live),
                _yes_no(ready),
                entry.restarts if entry else "-",
            )
        )
    return rows, healthy


def _probe(port: int, path: str) -> bool:
    return http_ok(f"http://127.0.0.1:{port}{path}", timeout=1.0)


def _ready(spec: ProcessSpec, port: int | None, entry: ProcessState | None) -> bool | None:
    if spec.ready == "http" and port:
        return _probe(port, spec.ready_path)
    if spec.ready == "tcp" and port:
        return tcp_open("127.0.0.1", port)
    if entry is None:
        return None
    try:
        return spec.ready_text in Path(entry.log).read_text(errors="replace")
    except FileNotFoundError:
        return False


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "NO")


def check(stage: Stage) -> int:
    state = StageState.read()
    if state is None:
        print("(no `stage up` running here: probing the default ports)\n")
    elif state.stage != stage.number:
        print(f"(stage {state.stage} is up, not {stage.number}: probing the default ports)\n")
    rows, healthy = check_rows(stage, state)
    headers = ["process", "pid", "port", "alive", "live", "ready", "restarts"]
    print(table(headers, rows))
    return 0 if healthy else 1


def down(grace_seconds: float = 30.0) -> int:
    state = StageState.read()
    if state is None:
        print("nothing is up (no state file)")
        return 0
    if state.runner_running():
        print(f"stopping stage {state.stage} (runner pid {state.runner_pid}) ...", flush=True)
        os.kill(state.runner_pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while state.runner_running() and time.monotonic() < deadline:
            time.sleep(0.2)
    # Whatever the runner left behind (it was killed with -9, or did not stop in time).
    left = [p.name for p in state.processes if stop_pid(p.pid, p.started)]
    if state.runner_running():
        stop_pid(state.runner_pid, state.runner_started)
    if left:
        print(f"stopped processes the runner left behind: {', '.join(left)}")
    state_path().unlink(missing_ok=True)
    print("down")
    return 0

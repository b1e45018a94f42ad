"""``stage up``: set a stage up, start it, print where it answers, supervise until stopped.

:func:`up` runs in the foreground: it refuses when a runner is already up, prepares the
databases and the stage's set-up steps, starts every process and waits for readiness, writes
the state file, opens the control channel and supervises (restarting what dies) until
SIGINT or SIGTERM (:class:`Stopped`), then stops every process it started.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from types import FrameType

from strangler.config import var_dir
from strangler.console import progress, table
from strangler.stages.control import ControlServer
from strangler.stages.launcher import RunningStage, require_free_ports, run_setup, start
from strangler.stages.manifest import DEFAULT_PORTS, Stage
from strangler.stages.processes import ProcessFailed
from strangler.stages.runner.control_channel import control_server
from strangler.stages.runner.control_room import ControlRoom
from strangler.stages.runner.preparation import ensure_databases
from strangler.stages.runner.room_page import snapshot
from strangler.stages.runner.state_file import record_restart, stage_state
from strangler.stages.runner.urls import live_urls, url_rows
from strangler.stages.state import StageState, state_path
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
    control_room_port: int = DEFAULT_PORTS["control-room"]


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
    room: ControlRoom | None = None
    stopping = threading.Event()
    try:
        room_port = {} if options.exit_when_ready else {"control-room": options.control_room_port}
        require_free_ports({**options.ports, **room_port})
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
        state = stage_state(running, var)
        if options.exit_when_ready:
            state.write()
            _print_up(stage, running)
            return 0
        supervisor = Supervisor(
            running.group,
            live_urls(running),
            policy=options.policy,
            log=lambda message: print(f"[supervisor] {message}", flush=True),
            on_restart=lambda process: record_restart(state, process),
        )
        control = control_server(running, state, var, supervisor, stopping)
        control.start()
        room = ControlRoom(partial(snapshot, running, var), options.control_room_port).start()
        state.write()
        _print_up(stage, running, room)
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
        if room is not None:
            room.close()
        if running is not None:
            running.stop()
        current = StageState.read()
        if current is not None and current.runner_pid == os.getpid():
            state_path().unlink(missing_ok=True)


def _print_up(stage: Stage, running: RunningStage, room: ControlRoom | None = None) -> None:
    print(f"\n== {stage.tag} is up: {stage.title}\n")
    rows = url_rows(stage, running)
    if room is not None:
        rows.insert(0, ("control room (the stage at a glance)", room.url))
    print(table(["what", "where"], rows), flush=True)


def _upstreams(stage: Stage) -> list[str]:
    """The upstreams with more than one instance: what ``stage restart`` can roll."""
    names = dict.fromkeys(p.upstream for p in stage.processes if p.upstream)
    return [name for name in names if len(stage.instances(name)) > 1]

"""``stage restart``: the rolling restart, asked of the running ``stage up`` over its socket.

:func:`control_server` is the runner's side: a :class:`ControlServer` whose ``restart``
command runs a :class:`RollingRestart` under the supervisor's lock and streams its log.
:func:`restart` is the other shell's side: it finds the runner through the state file, sends
the request, prints the progress and the per-instance result table.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from strangler.console import progress, table
from strangler.stages.control import ControlServer, Emit, send
from strangler.stages.launcher import RunningStage
from strangler.stages.processes import Process
from strangler.stages.rolling import RESULT_HEADERS, RollingRestart
from strangler.stages.runner.state_file import record_restart
from strangler.stages.state import StageState, control_path
from strangler.stages.supervisor import Supervisor


def control_server(
    running: RunningStage,
    state: StageState,
    var: Path,
    supervisor: Supervisor,
    stopping: threading.Event,
) -> ControlServer:
    """The runner's control channel; ``restart`` runs a :class:`RollingRestart`."""

    def on_respawn(process: Process) -> None:
        with supervisor.lock:  # the supervisor writes the state file under it too
            record_restart(state, process)

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

"""The running stage as the state file records it: runner, processes, pids, restarts.

:func:`stage_state` builds the :class:`StageState` of a stage that just started (the runner's
pid and start time, the ports, one :class:`ProcessState` per process); :func:`record_restart`
updates a process's pid, start time and restart count after a respawn and writes the file,
so ``stage check`` and ``stage down`` from another shell see the process that runs now.
"""

from __future__ import annotations

import os
from pathlib import Path

from strangler.stages.launcher import RunningStage
from strangler.stages.manifest import ProcessSpec
from strangler.stages.processes import Process
from strangler.stages.state import ProcessState, StageState, start_time


def stage_state(running: RunningStage, var: Path) -> StageState:
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


def record_restart(state: StageState, process: Process) -> None:
    for entry in state.processes:
        if entry.name == process.name and process.pid is not None:
            entry.pid, entry.started = process.pid, start_time(process.pid)
            entry.restarts = process.restarts
    state.write()

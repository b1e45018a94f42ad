"""The state file of ``stage up``: which stage runs, with which pids and ports.

``stage check`` and ``stage down`` run in another shell and read it. A pid alone is not an
identity (pids are reused), so each entry also keeps the process's start time from
``/proc/<pid>/stat``: a process is ours only if both match.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from strangler.config import var_root


def state_path() -> Path:
    return var_root() / "stage-up.json"


def control_path() -> Path:
    """The runner's control socket (``strangler.stages.control``)."""
    return var_root() / "stage-up.sock"


def start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` in clock ticks, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return int(stat.rsplit(")", 1)[1].split()[19])


def is_running(pid: int, started: int | None) -> bool:
    current = start_time(pid)
    if current is None:
        return False
    if started is not None and current != started:
        return False  # the pid was reused by another process
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


@dataclass
class ProcessState:
    name: str
    pid: int
    started: int | None
    port: int | None
    ready: str
    ready_path: str
    live_path: str
    log: str
    restarts: int = 0

    def running(self) -> bool:
        return is_running(self.pid, self.started)


@dataclass
class StageState:
    stage: int
    tag: str
    runner_pid: int
    runner_started: int | None
    var: str
    ports: dict[str, int]
    processes: list[ProcessState] = field(default_factory=list)
    updated: float = 0.0
    control: str = ""  # the control socket of the runner, "" when it has none

    def runner_running(self) -> bool:
        return is_running(self.runner_pid, self.runner_started)

    def write(self, path: Path | None = None) -> None:
        path = path or state_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.updated = time.time()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path | None = None) -> StageState | None:
        path = path or state_path()
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        processes = [ProcessState(**p) for p in data.pop("processes")]
        return cls(**data, processes=processes)


def stop_pid(pid: int, started: int | None, *, grace_seconds: float = 10.0) -> bool:
    """SIGTERM a leader we started, then SIGKILL its whole group; False if it was not ours."""
    if not is_running(pid, started):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGCONT)
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while is_running(pid, started) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    return True

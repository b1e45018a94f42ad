"""``stage down``: stop a running stage from another shell, by the pids its state file holds.

:func:`down` asks the runner to stop (SIGTERM, then waits up to a grace period), then stops
whatever it left behind (each pid checked against its recorded start time, so a reused pid is
never killed) and removes the state file.
"""

from __future__ import annotations

import os
import signal
import time

from strangler.stages.state import StageState, state_path, stop_pid


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

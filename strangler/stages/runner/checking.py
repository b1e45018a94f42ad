"""``stage check``: one row per process (pid, alive, live, ready, restarts) and a verdict.

Works from any shell: with a state file of the same stage it probes the ports and pids the
runner recorded, otherwise the default ports. Readiness is checked the way the launcher
waits for it (HTTP, TCP, or a line in the process log); exit status 1 when anything is not.
"""

from __future__ import annotations

from pathlib import Path

from strangler.console import table
from strangler.stages.manifest import DEFAULT_PORTS, ProcessSpec, Stage
from strangler.stages.processes import http_ok, tcp_open
from strangler.stages.state import ProcessState, StageState


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

"""Where a running stage answers: each process's liveness URL and the table ``stage up`` prints.

:func:`live_urls` gives the supervisor one liveness URL per process (None for a process
without one), :func:`metrics_urls` the control room each ``/metrics`` it reads;
:func:`url_rows` lists what a person can open (each process's named URLs), where the process
logs are, and the demo customer's credentials; :func:`process_links` the same with the process
each belongs to (the control room groups them).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.launcher import RunningStage
from strangler.stages.manifest import ProcessSpec, Stage


def live_urls(running: RunningStage) -> dict[str, str | None]:
    return _process_urls(running, lambda spec: spec.live_path)


def metrics_urls(running: RunningStage) -> dict[str, str]:
    """Process name -> its ``/metrics`` URL, for the processes started that serve one."""
    urls = _process_urls(running, lambda spec: spec.metrics_path)
    return {name: url for name, url in urls.items() if url}


def _process_urls(
    running: RunningStage, path: Callable[[ProcessSpec], str]
) -> dict[str, str | None]:
    """Each started process's URL at ``path(spec)``; None where it has no such path."""
    urls: dict[str, str | None] = {}
    for process in running.group.processes:
        spec = running.stage.process(process.name)
        urls[process.name] = f"{running.urls[spec.port_name]}{path(spec)}" if path(spec) else None
    return urls


def url_rows(stage: Stage, running: RunningStage) -> list[tuple[str, str]]:
    return [(label, value) for _, label, value in process_links(stage, running)]


def process_links(stage: Stage, running: RunningStage) -> list[tuple[str, str, str]]:
    """(process, label, URL or text): each started process's named URLs, then where the logs
    are and the demo customer's credentials (of no process: "")."""
    started = {p.name for p in running.group.processes}
    rows = [
        (spec.name, label, f"{running.urls[spec.port_name]}{path}")
        for spec in stage.processes
        if spec.name in started
        for label, path in spec.urls
    ]
    rows.append(("", "process logs", _short(running.group.log_dir)))
    rows.append(("", "demo customer", "demo@example.com / demo-password-1"))
    return rows


def _short(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)

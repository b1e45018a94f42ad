"""Bring a stage up: run its set-up commands, start its processes, wait until all are ready."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.manifest import ProcessSpec, Stage
from strangler.stages.processes import (
    Process,
    ProcessFailed,
    ProcessGroup,
    port_is_free,
    ready_when_http_ok,
    ready_when_log_contains,
)

Progress = Callable[[str], None]


@dataclass
class RunningStage:
    stage: Stage
    group: ProcessGroup
    urls: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.urls[self.stage.entrypoint]

    def stop(self) -> None:
        self.group.stop()


def _fill(argv: tuple[str, ...], values: Mapping[str, str]) -> list[str]:
    return [part.format(**values) for part in argv]


def require_free_ports(ports: Mapping[str, int]) -> None:
    busy = [f"{name}={port}" for name, port in ports.items() if not port_is_free(port)]
    if busy:
        raise ProcessFailed(f"ports already in use: {', '.join(busy)}")


def run_setup(stage: Stage, env: Mapping[str, str], var: Path, progress: Progress) -> None:
    values = {"python": sys.executable, "var": str(var), "port": ""}
    for step in stage.setup:
        argv = _fill(step, values)
        progress(f"setup: {' '.join(argv[1:])}")
        result = subprocess.run(
            argv, cwd=REPO_ROOT, env=dict(env), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ProcessFailed(
                f"set-up step failed ({result.returncode}): {' '.join(argv)}\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )


def start(
    stage: Stage,
    *,
    ports: Mapping[str, int],
    env: Mapping[str, str],
    var: Path,
    progress: Progress = lambda message: None,
    ready_deadline: float = 90.0,
) -> RunningStage:
    """Start every process of ``stage``; on any failure stop what was started and raise."""
    require_free_ports(ports)
    group = ProcessGroup(log_dir=var / "logs", env=env, cwd=REPO_ROOT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for spec in stage.processes:
            progress(f"start: {spec.name}")
            group.start(spec.name, _argv(spec, ports, var), _readiness(spec, urls))
        progress("waiting until every process is ready")
        group.wait_ready(deadline_seconds=ready_deadline)
    except BaseException:
        group.stop()
        raise
    return RunningStage(stage=stage, group=group, urls=urls)


def _argv(spec: ProcessSpec, ports: Mapping[str, int], var: Path) -> list[str]:
    port = str(ports[spec.port_name]) if spec.port_name else ""
    return _fill(spec.argv, {"python": sys.executable, "port": port, "var": str(var)})


def _readiness(spec: ProcessSpec, urls: Mapping[str, str]) -> Callable[[Process], bool]:
    if spec.ready == "http":
        return ready_when_http_ok(f"{urls[spec.port_name]}/health/ready")
    return ready_when_log_contains(spec.ready_text)

"""Bring a stage up: run its set-up commands, start its processes, wait until all are ready."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.config import REPO_ROOT, secret_store_login_file
from strangler.stages.manifest import PLACEHOLDER, ProcessSpec, Stage
from strangler.stages.processes import (
    Process,
    ProcessFailed,
    ProcessGroup,
    port_is_free,
    ready_when_http_ok,
    ready_when_log_contains,
    ready_when_tcp_open,
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


def fill(
    argv: Sequence[str],
    *,
    var: Path | str,
    ports: Mapping[str, int],
    own_port: str = "",
    python: str = sys.executable,
) -> list[str]:
    """Replace ``{python}``, ``{var}``, ``{run}``, ``{port}`` and ``{port:NAME}``."""

    def value(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "python":
            return python
        if kind == "var":
            return str(var)
        if kind == "run":
            return run_id(var)
        port_name = name or own_port
        if port_name not in ports:
            raise ProcessFailed(f"no port given for {port_name or 'this process'!r} in {argv}")
        return str(ports[port_name])

    return [PLACEHOLDER.sub(value, part) for part in argv]


def run_id(var: Path | str) -> str:
    """Eight hex digits naming one run of a stage: its state folder, hashed."""
    return hashlib.sha256(str(Path(var).resolve()).encode()).hexdigest()[:8]


def require_free_ports(ports: Mapping[str, int]) -> None:
    busy = [f"{name}={port}" for name, port in ports.items() if not port_is_free(port)]
    if busy:
        raise ProcessFailed(f"ports already in use: {', '.join(busy)}")


def stage_env(
    stage: Stage, env: Mapping[str, str], ports: Mapping[str, int] | None = None
) -> dict[str, str]:
    """The environment of every process of ``stage``: the caller's plus the stage's settings.

    A setting may name another process's port (``http://127.0.0.1:{port:inventory}``, the
    service a monolith's adapter calls); it is filled from ``ports``, and left out (the
    setting's default applies) where that port is not known, as in the set-up steps.
    """
    settings = {}
    for key, value in stage.settings:
        if PLACEHOLDER.search(value):
            try:
                value = fill([value], var="", ports=ports or {})[0]
            except ProcessFailed:
                continue
        settings[key] = value
    return {**env, **settings}


def run_setup(stage: Stage, env: Mapping[str, str], var: Path, progress: Progress) -> None:
    for step in stage.setup:
        argv = fill(step, var=var, ports={})
        progress(f"setup: {' '.join(argv[1:])}")
        result = subprocess.run(
            argv,
            cwd=REPO_ROOT,
            env=stage_env(stage, env),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ProcessFailed(
                f"stage {stage.number}: set-up step failed ({result.returncode}): "
                f"{' '.join(argv)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )


def processes_to_start(stage: Stage, *, with_optional: bool = False) -> tuple[ProcessSpec, ...]:
    return stage.processes if with_optional else stage.required_processes()


def start(
    stage: Stage,
    *,
    ports: Mapping[str, int],
    env: Mapping[str, str],
    var: Path,
    progress: Progress = lambda message: None,
    ready_deadline: float = 90.0,
    with_optional: bool = False,
) -> RunningStage:
    """Start every process of ``stage``; on any failure stop what was started and raise.

    ``ports`` must name the port of every process started; optional processes (Flower) are
    started only ``with_optional``.
    """
    specs = processes_to_start(stage, with_optional=with_optional)
    needed = {p.port_name for p in specs if p.port_name}
    missing = sorted(needed - set(ports))
    if missing:
        raise ProcessFailed(f"stage {stage.number}: no port given for {', '.join(missing)}")
    require_free_ports({name: ports[name] for name in needed})
    common = stage_env(stage, env, ports)
    group = ProcessGroup(log_dir=var / "logs", env=without_operator_token(common), cwd=REPO_ROOT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for spec in specs:
            progress(f"start: {spec.name}")
            group.start(
                spec.name,
                argv_of(spec, ports, var),
                readiness(spec, ports),
                env=process_env(spec, var, common),
            )
        progress("waiting until every process is ready")
        group.wait_ready(deadline_seconds=ready_deadline)
    except BaseException:
        group.stop()
        raise
    return RunningStage(stage=stage, group=group, urls=urls)


def drain_file(var: Path, name: str) -> Path:
    """The file whose existence makes process ``name`` answer 503 on /health/ready."""
    return var / "drain" / name


def process_env(
    spec: ProcessSpec, var: Path, common: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What ``spec`` gets beside the stage's environment ``common``: its drain file and, where
    the stage reads OpenBao, its own service's login."""
    path = drain_file(var, spec.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # left over from a run that was killed
    own = {**dict(spec.env), "STRANGLER_DRAIN_FILE": str(path)}
    if common is not None and reads_openbao(common):
        login = secret_store_login_file(var, spec.settings_of)
        if login.exists():  # none for a process that reads no secret (the gateway)
            own["SECRET_STORE_APPROLE_FILE"] = str(login)
    return own


OPERATOR_TOKEN = ("SECRET_STORE_TOKEN", "SECRET_STORE_TOKEN_FILE")


def reads_openbao(common: Mapping[str, str]) -> bool:
    url = common.get("SECRET_STORE_URL", "")
    return common.get("SECRET_STORE") == "on" and url.startswith("bao://")


def without_operator_token(common: Mapping[str, str]) -> dict[str, str]:
    """The stage's environment for its processes: on OpenBao (stage 5 on) without the token the
    set-up ran with, which may write every secret; each process gets its service's login instead
    (``secrets init`` wrote one per service, see ``strangler.secretstore.access``)."""
    if not reads_openbao(common):
        return dict(common)
    return {key: value for key, value in common.items() if key not in OPERATOR_TOKEN}


def argv_of(spec: ProcessSpec, ports: Mapping[str, int], var: Path) -> list[str]:
    return fill(spec.argv, var=var, ports=ports, own_port=spec.port_name)


def readiness(spec: ProcessSpec, ports: Mapping[str, int]) -> Callable[[Process], bool]:
    if spec.ready == "http":
        return ready_when_http_ok(f"http://127.0.0.1:{ports[spec.port_name]}{spec.ready_path}")
    if spec.ready == "tcp":
        return ready_when_tcp_open("127.0.0.1", ports[spec.port_name])
    return ready_when_log_contains(spec.ready_text)

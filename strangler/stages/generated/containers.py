"""A stage's processes as containers: one image, one container per process, found by name.

The manifest's command lines are written for the runner, which starts every process on one
host: each binds 127.0.0.1 and reaches the others at ``127.0.0.1:{port:NAME}``. In a container
a process must listen on every interface and reach another process by the name of its
container (compose) or Service (Kubernetes), which is the process's name. Both deployment
formats take their command lines, dependencies, health checks and environment from here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from strangler.stages import launcher
from strangler.stages.manifest import DEFAULT_PORTS, ProcessSpec, Stage

IMAGE = "shop-kit:latest"  # built from the repository's Dockerfile
STATE_DIR = "/var/lib/shop"  # the Dockerfile's STRANGLER_VAR_DIR: keys, static files, schedules
ANY_INTERFACE = "0.0.0.0"  # a port in a container is reached from outside it only like this
# Stands in for {run}: names one run of a stage among others on a shared broker (the runner's
# state folder hashed); here the container's own hostname (Celery's %h) already does that.
RUN_ID = "container"

_LOOPBACK_PEER = re.compile(r"127\.0\.0\.1:\{port:([A-Za-z0-9_-]+)\}")
_MANAGE = re.compile(r"^(?:(.+)/)?manage\.py$")


@dataclass(frozen=True)
class Container:
    """What both formats need to know about one process of a stage."""

    spec: ProcessSpec
    command: tuple[str, ...]
    port: int | None
    depends_on: tuple[str, ...]  # processes whose ports its command names

    @property
    def name(self) -> str:
        return self.spec.name


def port_of(port_name: str) -> int:
    return DEFAULT_PORTS[port_name]


def host_of(stage: Stage) -> dict[str, str]:
    """Port name -> the process (container, Service) that listens on it."""
    return {p.port_name: p.name for p in stage.processes if p.port_name}


def fill(argv: Sequence[str], stage: Stage, own_port: str = "") -> tuple[str, ...]:
    """``argv`` with its placeholders filled for a container, listening on every interface."""
    hosts = host_of(stage)
    rewritten = []
    for part in argv:
        part = _LOOPBACK_PEER.sub(lambda m: f"{hosts[m.group(1)]}:{{port:{m.group(1)}}}", part)
        part = part.replace("127.0.0.1:{port}", f"{ANY_INTERFACE}:{{port}}")
        part = part.replace("--address=127.0.0.1", f"--address={ANY_INTERFACE}")
        rewritten.append(part.replace("{run}", RUN_ID))
    out = launcher.fill(
        rewritten, var=STATE_DIR, ports=DEFAULT_PORTS, own_port=own_port, python="python"
    )
    # A server that takes ``--port`` and no host binds loopback by default (the gateway, gRPC).
    if own_port and "--port" in argv and "--host" not in argv:
        at = out.index("--port")
        out[at:at] = ["--host", ANY_INTERFACE]
    return tuple(out)


def settings(stage: Stage) -> dict[str, str]:
    """The stage's settings for its containers: a setting naming a process's port
    (``http://127.0.0.1:{port:inventory}``) names that process's container instead."""
    return {key: fill([value], stage)[0] for key, value in stage.settings}


def containers(stage: Stage) -> tuple[Container, ...]:
    hosts = host_of(stage)
    return tuple(
        Container(
            spec=spec,
            command=fill(spec.argv, stage, spec.port_name),
            port=port_of(spec.port_name) if spec.port_name else None,
            depends_on=tuple(
                hosts[name] for name in sorted(spec.placeholders() - {spec.port_name})
            ),
        )
        for spec in stage.processes
    )


def setup_script(stage: Stage) -> str:
    """The stage's set-up steps as one ``sh -e`` script, in order."""
    return "".join(shlex.join(fill(step, stage)) + "\n" for step in stage.setup)


# A service's ``manage.py set_up`` runs these among its steps (strangler.service's command).
SET_UP = "set_up"
COLLECTSTATIC = ("collectstatic", "--noinput", "--verbosity", "0")


def collectstatic_script(stage: Stage) -> str:
    """Only the set-up steps that collect static files (every web pod needs its own copy): a
    service's ``set_up`` stands for its ``collectstatic`` here."""
    steps = [
        (*step[: step.index(SET_UP)], *COLLECTSTATIC) if SET_UP in step else step
        for step in stage.setup
        if "collectstatic" in step or SET_UP in step
    ]
    return "".join(shlex.join(fill(step, stage)) + "\n" for step in steps)


def databases(stage: Stage) -> dict[str, str]:
    """Environment variable -> database name: the monolith's, and one per extracted service.

    A service owns a database when its set-up runs ``extracted/<service>/manage.py set_up`` (or
    its ``ensure_database`` step alone); it reads it from ``<SERVICE>_DATABASE_URL``
    (strangler.config).
    """
    found = {"DATABASE_URL": "monolith"}
    for step in stage.setup:
        if "ensure_database" not in step and SET_UP not in step:
            continue
        for part in step:
            match = _MANAGE.match(part)
            if match and match.group(1):
                service = match.group(1).rsplit("/", 1)[-1]
                found[f"{service.upper()}_DATABASE_URL"] = service
    return found


def secret_store_reader(stage: Stage, spec: ProcessSpec) -> str | None:
    """From stage 5 (``SECRET_STORE=on``): the service whose own OpenBao token ``spec`` reads
    its secrets with (its Django settings' service: ``secrets init`` issues one per service
    with a database), or None for a process that reads none (the gateway) or before stage 5.
    No process gets the set-up's token."""
    if stage.settings_env.get("SECRET_STORE") != "on":
        return None
    return spec.settings_of if spec.settings_of in databases(stage).values() else None


def celery_ping(command: Sequence[str]) -> tuple[str, ...] | None:
    """``celery inspect ping`` of the worker run by ``command`` (by its node name), or None
    when ``command`` runs no Celery worker."""
    if "celery" not in command or "worker" not in command or "-A" not in command:
        return None
    app = command[command.index("-A") + 1]
    node = command[command.index("--hostname") + 1] if "--hostname" in command else "celery@%h"
    return ("celery", "-A", app, "inspect", "ping", "-d", node.replace("%h", "$HOSTNAME"))

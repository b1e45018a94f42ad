"""The stage manifest: what runs at each stage and how to start it.

A stage is the stage before it plus its own change. Stage 0 is the monolith alone; later
stages add their processes and routes here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Placeholders filled in at start time: {python}, {port}, {var}.
MANAGE = ("{python}", "manage.py")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: tuple[str, ...]
    # "http" processes are ready when GET {url}/health/ready answers 2xx; "log" ones when
    # their log contains ``ready_text`` (a Celery worker prints "ready." once consuming).
    ready: str
    ready_text: str = ""
    port_name: str = ""


@dataclass(frozen=True)
class Stage:
    number: int
    tag: str
    title: str
    setup: tuple[tuple[str, ...], ...]
    processes: tuple[ProcessSpec, ...]
    entrypoint: str  # the process whose URL clients use


MONOLITH_WEB = ProcessSpec(
    name="monolith",
    argv=(
        "{python}",
        "-m",
        "gunicorn",
        "monolith.shop.wsgi:application",
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ),
    ready="http",
    port_name="monolith",
)
MONOLITH_WORKER = ProcessSpec(
    name="monolith-worker",
    argv=(
        "{python}",
        "-m",
        "celery",
        "-A",
        "monolith.shop",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--hostname",
        "monolith@%h",
        "--beat",
        "--schedule",
        "{var}/celerybeat-schedule",
    ),
    ready="log",
    ready_text=" ready.",
)

STAGES: tuple[Stage, ...] = (
    Stage(
        number=0,
        tag="stage-0-monolith",
        title="The monolith: one Django project, one database, six bounded contexts",
        setup=(
            (*MANAGE, "migrate", "--noinput"),
            (*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"),
            (*MANAGE, "seed_demo"),
        ),
        processes=(MONOLITH_WEB, MONOLITH_WORKER),
        entrypoint="monolith",
    ),
)

DEFAULT_PORTS = {"gateway": 8000, "monolith": 8001}


def get_stage(number: int) -> Stage:
    for stage in STAGES:
        if stage.number == number:
            return stage
    known = ", ".join(str(s.number) for s in STAGES)
    raise KeyError(f"no stage {number}; known stages: {known}")


def latest_stage() -> Stage:
    return STAGES[-1]

"""Real processes on loopback for the e2e suites.

The black-box suite (the ``stage`` fixture) runs once per stage of the manifest: the parity
matrix. Its tests talk HTTP to the stage's entrypoint only (the monolith at stage 0, the
gateway from stage 1 on), so the same test passing at every stage is the strangler's promise.

On the real engines (``DATABASE_URL`` pointing at PostgreSQL, ``CELERY_BROKER_URL`` at
RabbitMQ, as ``make test`` sets them) each started stage gets a database and a queue of its
own, dropped afterwards. Without them the same processes run on the embedded defaults in a
temporary folder. A stage that keeps its secrets in a secret store (stage 5 on) gets a real
OpenBao of its own (``bao server -dev`` on a free port), stopped with the stage.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from kombu import Connection

from strangler.config import REPO_ROOT, extracted_services
from strangler.stages.launcher import RunningStage, run_setup, start
from strangler.stages.manifest import STAGES, Stage, get_stage, missing_paths, retired_here
from strangler.stages.processes import Process, free_port, stop_process
from strangler.testing import eventually


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


# Every stage of the manifest: a stage whose files are missing fails its run, never drops out,
# but for the stages whose code a later stage retired, on that stage's tag (main runs them all;
# their own tags run them).
BLACK_BOX_STAGES = tuple(stage.number for stage in STAGES if not retired_here(stage))


# Each extracted service has a database of its own, a sibling of the monolith's
# (<name>_<service>), and queues of its own: none before stage 2.
SERVICES_WITH_A_DATABASE = extracted_services()
EVENT_QUEUES = tuple(
    f"{service.upper()}_{queue}"
    for service in SERVICES_WITH_A_DATABASE
    for queue in ("EVENTS_QUEUE", "EVENTS_DLQ", "TASK_QUEUE")
)
# The monolith's own consumer's queues (from the stage that starts it), per run too.
MONOLITH_EVENT_QUEUES = ("MONOLITH_EVENTS_QUEUE", "MONOLITH_EVENTS_DLQ")


def run_demo(
    env: dict[str, str], stage: Stage, *, timeout: float
) -> tuple[subprocess.CompletedProcess[str], dict[str, int]]:
    """``make demo`` at ``stage`` with ``--exit``, every process on a free port; its result and
    the ports it was given."""
    ports = {name: free_port() for name in stage.port_names}
    port_args = [arg for name, port in ports.items() for arg in ("--port", f"{name}={port}")]
    result = subprocess.run(
        [sys.executable, "-m", "strangler.stages.demo", "--stage", str(stage.number), "--exit",
         *port_args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )  # fmt: skip
    return result, ports


def post_under_the_limit(
    url: str, body: dict[str, Any], *, deadline: float = 90.0
) -> requests.Response:
    """POST ``body`` to ``url``, a 429 waited out as any client would, by its Retry-After, until
    ``deadline``. The gateway limits sign-ins (and registrations) per client address, and every
    test of a stage calls from 127.0.0.1: a 429 says nothing of what the test looks at."""
    end = time.monotonic() + deadline
    while True:
        reply = requests.post(url, json=body, timeout=10.0)
        if reply.status_code != 429 or time.monotonic() > end:
            return reply
        time.sleep(min(float(reply.headers.get("Retry-After", "1")), 10.0))


def _base_env(var: Path, run_id: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="monolith.shop.settings",
        STRANGLER_VAR_DIR=str(var),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(var / "mail"),
        CELERY_TASK_DEFAULT_QUEUE=f"e2e-{run_id}",
        # stage 2 on: the events exchange, and each extracted service's queues, per run
        EVENTS_EXCHANGE=f"e2e-{run_id}.events",
        # stage 5 on: a rotated signing key signs 5 s after it is published, not six minutes
        JWT_KEY_PUBLISH_SECONDS="5",
        # a fast password hasher, as Django advises for tests: every shopper registers and
        # signs in (PBKDF2 costs about 0.3 s of CPU a hash); the stage's own default is PBKDF2
        PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher",
    )
    for service in SERVICES_WITH_A_DATABASE:
        prefix, name = service.upper(), f"e2e-{run_id}.{service}"
        env[f"{prefix}_EVENTS_QUEUE"] = f"{name}.events"
        env[f"{prefix}_EVENTS_DLQ"] = f"{name}.dlq"
        env[f"{prefix}_TASK_QUEUE"] = f"{name}.tasks"
    env["MONOLITH_EVENTS_QUEUE"] = f"e2e-{run_id}.monolith.events"
    env["MONOLITH_EVENTS_DLQ"] = f"e2e-{run_id}.monolith.dlq"
    return env


class _Engines:
    """A started stage's database, queues and exchanges of its own, dropped when it stops."""

    def __init__(self) -> None:
        self.database_url = os.environ.get("DATABASE_URL", "")
        self.admin_url = self.database_url.rsplit("/", 1)[0] + "/postgres"
        self.databases: list[str] = []
        self.queues: list[tuple[str, str]] = []
        self.exchanges: list[tuple[str, str]] = []
        self.openbao: Any = None  # strangler.secretstore.testing.OpenBaoServer

    def provision(
        self, env: dict[str, str], run_id: str, stage: Stage | None = None, var: Path | None = None
    ) -> None:
        """The database and queues; for a ``stage`` that reads a secret store, an OpenBao
        (its files under ``var``)."""
        if stage is not None and var is not None and stage.settings_env.get("SECRET_STORE") == "on":
            # the secret store arrives with stage 5: found by name
            testing = importlib.import_module("strangler.secretstore.testing")
            self.openbao = testing.OpenBaoServer(var / "openbao")
            self.openbao.start()
            env["SECRET_STORE_URL"] = self.openbao.url
            env["SECRET_STORE_TOKEN"] = self.openbao.token
        if self.database_url.startswith("postgres"):
            database = f"e2e_{run_id}"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            self.databases.append(database)
            env["DATABASE_URL"] = self.database_url.rsplit("/", 1)[0] + f"/{database}"
        broker_url = env.get("CELERY_BROKER_URL", "")
        if broker_url.startswith("amqp"):
            self.queues.append((broker_url, env["CELERY_TASK_DEFAULT_QUEUE"]))
            self.queues += [
                (broker_url, env[name]) for name in (*EVENT_QUEUES, *MONOLITH_EVENT_QUEUES)
            ]
            # the events exchange, and the direct ones Celery declares named after its queues
            self.exchanges += [
                (broker_url, env[name])
                for name in (
                    "EVENTS_EXCHANGE",
                    "CELERY_TASK_DEFAULT_QUEUE",
                    *(f"{service.upper()}_TASK_QUEUE" for service in SERVICES_WITH_A_DATABASE),
                )
            ]

    def drop_all(self) -> None:
        if self.openbao is not None:
            self.openbao.stop()
        for broker_url, queue in self.queues:
            with Connection(broker_url) as conn:
                conn.default_channel.queue_delete(queue)  # type: ignore[attr-defined]
        for broker_url, exchange in self.exchanges:
            with Connection(broker_url) as conn:
                conn.default_channel.exchange_delete(exchange)  # type: ignore[attr-defined]
        for database in self.databases:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                for name in (database, *(f"{database}_{s}" for s in SERVICES_WITH_A_DATABASE)):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class StartedStage:
    running: RunningStage
    env: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def stage(self) -> Stage:
        return self.running.stage

    def process(self, name: str) -> Process:
        [process] = [p for p in self.running.group.processes if p.name == name]
        return process

    @contextmanager
    def stopped(self, name: str) -> Iterator[None]:
        """The process ``name`` stopped (its port refuses) for the block, then started again
        and ready, whatever happened, so the stage's other tests find it running."""
        process = self.process(name)
        stop_process(process)
        try:
            yield
        finally:
            self.running.group.respawn(process, note="started again by the test")
            eventually(lambda: process.ready(process), f"{name} back", deadline=60)

    def grant_admin(self, customer_id: int) -> None:
        """Make ``customer_id`` staff as an operator does, with identity's ``grant_role`` (stage
        5 on): the account's next sign-in gives a token carrying the ``admin`` role."""
        env = {k: v for k, v in self.env.items() if k != "DJANGO_SETTINGS_MODULE"}
        argv = ["extracted/identity/manage.py", "grant_role", str(customer_id), "admin"]
        granted = subprocess.run(
            [sys.executable, *argv],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert granted.returncode == 0, granted.stdout + granted.stderr
        assert "customer, admin" in granted.stdout, granted.stdout


class _Stages:
    """The stages started on this worker and not stopped yet, each with its engines' share."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.started: dict[int, tuple[StartedStage, _Engines]] = {}

    def get(self, number: int) -> StartedStage:
        if number not in self.started:
            stage = get_stage(number)
            missing = missing_paths(stage)
            assert not missing, f"stage {number} is incomplete: {', '.join(missing)} missing"
            run_id = f"{uuid.uuid4().hex[:8]}_s{number}"
            var = self.tmp_path_factory.mktemp(f"e2e-stage-{number}")
            env = _base_env(var, run_id)
            engines = _Engines()
            try:
                engines.provision(env, run_id, stage, var)
                run_setup(stage, env, var, progress=lambda message: None)
                ports = {name: free_port() for name in stage.port_names}
                running = start(stage, ports=ports, env=env, var=var)  # stops its own on failure
            except BaseException:
                engines.drop_all()
                raise
            self.started[number] = (StartedStage(running=running, env=env), engines)
        return self.started[number][0]

    def stop_all(self) -> None:
        while self.started:
            _, (each, engines) = self.started.popitem()
            try:
                each.running.stop()
            finally:
                engines.drop_all()


@pytest.fixture(scope="session")
def stages(
    tmp_path_factory: pytest.TempPathFactory,
    on_scope_end: Callable[[Callable[[], None]], None],
) -> Iterator[Callable[[int], StartedStage]]:
    """Starts a stage on first use, exactly as ``make demo`` starts it; stops it, and drops its
    database and queues, after the last test of the xdist scope that started it (``xdist_scope``
    in the root conftest.py), so its processes do not idle on beside the rest of the session. A
    later scope asking for it again gets it started afresh: a fixture that keeps a started stage
    must not outlive its scope (module-scoped in a module-wide scope, or keyed on ``stage``)."""
    running = _Stages(tmp_path_factory)
    on_scope_end(running.stop_all)
    try:
        yield running.get
    finally:
        running.stop_all()


@pytest.fixture(scope="session", params=BLACK_BOX_STAGES, ids=lambda n: f"stage-{n}")
def stage(request: pytest.FixtureRequest, stages: Callable[[int], StartedStage]) -> StartedStage:
    """The black-box suite runs once per stage, through the stage's entrypoint only."""
    return stages(request.param)

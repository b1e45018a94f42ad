"""Real processes on loopback for the e2e suites.

On the real engines (``DATABASE_URL`` pointing at PostgreSQL, ``CELERY_BROKER_URL`` at
RabbitMQ, as ``make test`` sets them) each run gets a database of its own and a queue of its
own, dropped afterwards. Without them the same processes run on the embedded defaults in a
temporary folder.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from kombu import Connection

from strangler.stages.launcher import RunningStage, run_setup, start
from strangler.stages.manifest import get_stage
from strangler.stages.processes import free_port


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    run_id = uuid.uuid4().hex[:10]
    var = tmp_path_factory.mktemp("e2e-var")
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
    )
    database_url = os.environ.get("DATABASE_URL", "")
    database = f"e2e_{run_id}"
    if database_url.startswith("postgres"):
        admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + f"/{database}"
    yield env
    broker_url = env.get("CELERY_BROKER_URL", "")
    if broker_url.startswith("amqp"):
        with Connection(broker_url) as conn:
            conn.default_channel.queue_delete(  # type: ignore[attr-defined]
                env["CELERY_TASK_DEFAULT_QUEUE"]
            )
    if database_url.startswith("postgres"):
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def stage0(e2e_env: dict[str, str]) -> Iterator[RunningStage]:
    """The monolith and its Celery worker, started exactly as ``make demo`` starts them."""
    stage = get_stage(0)
    var = Path(e2e_env["STRANGLER_VAR_DIR"]) / "stage-0"
    run_setup(stage, e2e_env, var, progress=lambda message: None)
    running = start(stage, ports={"monolith": free_port()}, env=e2e_env, var=var)
    try:
        yield running
    finally:
        running.stop()

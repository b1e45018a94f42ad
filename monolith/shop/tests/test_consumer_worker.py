"""The monolith's consumer as a stage runs it: ``manage.py events_declare``, then a worker of
the Celery app ``monolith.shop.consumer``, on the real broker and the test database.

One private exchange and queue names per run (deleted afterwards); the worker is started in
its own session and stopped by pid; waiting is polling with a deadline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from kombu import Connection

from monolith.catalog.models import ProductSales
from monolith.catalog.tests.test_handlers import order_created
from strangler.config import REPO_ROOT
from strangler.events.broker import EventPublisher
from strangler.stages.manifest.commands import celery_worker
from strangler.stages.processes import ProcessGroup, ready_when_log_contains
from strangler.testing import eventually

REAL_ENGINES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "CELERY_BROKER_URL", ""
).startswith("amqp")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REAL_ENGINES,
        reason="a worker process shares the test database on PostgreSQL and RabbitMQ",
    ),
]


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name: the worker sees what the test writes."""
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{connection.settings_dict['NAME']}"


@pytest.fixture
def worker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    run = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        STRANGLER_VAR_DIR=str(tmp_path),
        DATABASE_URL=_test_database_url(),
        EVENTS_EXCHANGE=f"t-{run}.events",
        MONOLITH_EVENTS_QUEUE=f"t-{run}.monolith.events",
        MONOLITH_EVENTS_DLQ=f"t-{run}.monolith.dlq",
        RUN=run,
    )
    try:
        yield env
    finally:
        with Connection(env["CELERY_BROKER_URL"]) as broker:
            channel: Any = broker.default_channel
            for queue in (env["MONOLITH_EVENTS_QUEUE"], env["MONOLITH_EVENTS_DLQ"]):
                channel.queue_delete(queue)
            channel.exchange_delete(env["EVENTS_EXCHANGE"])


def _outcomes(log: Path) -> list[str]:
    return re.findall(r"monolith: order\.created \S+ (applied|duplicate)\b", log.read_text())


def test_the_consumer_worker_counts_an_order_once_however_often_it_is_delivered(
    worker_env: dict[str, str], tmp_path: Path
) -> None:
    declared = subprocess.run(
        [sys.executable, "manage.py", "events_declare"],
        cwd=REPO_ROOT,
        env=worker_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert declared.returncode == 0, declared.stderr
    argv = [
        part.replace("{python}", sys.executable).replace("{run}", worker_env["RUN"])
        for part in celery_worker("monolith.shop.consumer", "monolith-events")
    ]
    group = ProcessGroup(log_dir=tmp_path / "logs", env=worker_env, cwd=REPO_ROOT)
    try:
        worker = group.start("monolith-events", argv, ready_when_log_contains(" ready."))
        group.wait_ready(deadline_seconds=60)
        first, second = order_created(1, MUG=2, TEE=1), order_created(2, MUG=1)
        publisher = EventPublisher(
            url=worker_env["CELERY_BROKER_URL"], exchange=worker_env["EVENTS_EXCHANGE"]
        )
        try:
            for event in (first, first, first, second):
                publisher.publish(event.to_dict())
        finally:
            publisher.close()

        eventually(lambda: len(_outcomes(worker.log_path)) == 4, "four deliveries handled")
    finally:
        group.stop()

    assert sorted(_outcomes(worker.log_path)) == ["applied", "applied", "duplicate", "duplicate"]
    assert dict(ProductSales.objects.values_list("sku", "units_sold")) == {"MUG": 3, "TEE": 1}

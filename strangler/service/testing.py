"""What every service's test suite shares: fixtures (a pytest plugin, named in the service's
``conftest.py`` as ``pytest_plugins = ["strangler.service.testing"]``) and contract checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from strangler.config import REPO_ROOT
from strangler.events import Event
from strangler.events.consumer import EventConsumer
from strangler.events.schemas import PUBLISHED, SchemaRegistry
from strangler.service.consumer import build_consumer


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Celery]:
    """A Celery app on an in-memory broker: retries and dead letters go nowhere real."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    yield Celery(f"t-{uuid.uuid4().hex[:6]}", broker="memory://", set_as_current=False)


@pytest.fixture
def consumer(settings: Any) -> EventConsumer:
    """The service's consumer, on queue names of this test alone."""
    settings.EVENTS_QUEUE = f"t-{uuid.uuid4().hex[:8]}.events"
    settings.EVENTS_DLQ = f"t-{uuid.uuid4().hex[:8]}.dlq"
    return build_consumer()


def generate_openapi(manage: Path, into: Path) -> Path:
    """``into``, holding the OpenAPI document ``manage.py spectacular`` writes now (validated;
    a warning fails)."""
    result = subprocess.run(
        [
            *(sys.executable, str(manage), "spectacular"),
            *("--validate", "--fail-on-warn", "--file", str(into)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return into


def assert_schema_copies_match_the_producers(
    own_schemas: Path, event_types: set[str], examples: Iterable[Event]
) -> None:
    """The service's own schema copies are exactly ``event_types``, equal to what the
    producer publishes, and both accept the ``examples``."""
    own = SchemaRegistry(own_schemas)
    producer = SchemaRegistry(PUBLISHED)

    assert {t for t, _ in own.known()} == event_types
    for name in [f"{t}.v{v}.json" for t, v in own.known()]:
        assert json.loads((own_schemas / name).read_text()) == json.loads(
            (PUBLISHED / name).read_text()
        ), f"{name}: the copy drifted from the producer's schema"
    for event in examples:
        own.validate(event)
        producer.validate(event)

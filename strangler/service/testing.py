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


def assert_openapi_matches_the_committed(service: str, tmp_path: Path) -> None:
    """The OpenAPI document ``extracted/<service>/manage.py spectacular`` generates now
    (validated; a warning fails) is the committed ``docs/api/<service>-v1.yaml``."""
    generated = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            *(sys.executable, str(REPO_ROOT / "extracted" / service / "manage.py"), "spectacular"),
            *("--validate", "--fail-on-warn", "--file", str(generated)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    committed = REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml"
    assert generated.read_text() == committed.read_text(), (
        f"the {service} API contract changed: regenerate docs/api/{service}-v1.yaml "
        "(make openapi), review the diff, and commit it if the change is intended"
    )


def assert_schema_copies_match_the_producers(
    service: str, event_types: set[str], examples: Iterable[Event]
) -> None:
    """The service's own schema copies (``extracted/<service>/schemas``) are exactly
    ``event_types``, equal to what the producer publishes, and both accept the ``examples``."""
    own_schemas = REPO_ROOT / "extracted" / service / "schemas"
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

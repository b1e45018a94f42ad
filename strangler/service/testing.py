"""What every service's test suite shares: fixtures (a pytest plugin, named in the service's
``conftest.py`` as ``pytest_plugins = ["strangler.service.testing"]``) and contract checks.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from celery import Celery

from strangler.config import REPO_ROOT
from strangler.contracts.compat import events, openapi
from strangler.contracts.compat.moved import Moved, nowhere

if TYPE_CHECKING:  # the events library arrives at stage 2, with the first service
    from strangler.events import Event
    from strangler.events.consumer import EventConsumer


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
    from strangler.service.consumer import build_consumer

    return build_consumer()


@pytest.fixture
def deliver(consumer: EventConsumer, app: Celery) -> Callable[..., list[str]]:
    """Delivers events to the consumer as its queue would, each once: their outcomes
    (``applied``, ``duplicate``, ...)."""

    def run(*events: Event) -> list[str]:
        return [consumer.deliver(e.to_dict(), retries=0, app=app).status for e in events]

    return run


class ContractNeedsRegenerating(UserWarning):
    """The API changed in a way that breaks no client: the committed document is stale."""


def assert_openapi_keeps_the_contract(
    manage_py: Path, committed: Path, tmp_path: Path, *, moved: Moved = nowhere
) -> None:
    """The OpenAPI document ``manage_py spectacular`` generates now (validated; a warning
    fails) breaks no client of the ``committed`` one.

    A breaking difference fails (:mod:`strangler.contracts.compat.openapi` says which are);
    an additive one passes with a :class:`ContractNeedsRegenerating` warning. Endpoints that
    ``moved`` behind the gateway to another service pass silently: the committed document
    stays the public contract, so it is not regenerated without them.
    """
    generated = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            *(sys.executable, str(manage_py), "spectacular"),
            *("--validate", "--fail-on-warn", "--file", str(generated)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    name = committed.relative_to(REPO_ROOT) if committed.is_relative_to(REPO_ROOT) else committed
    differences = openapi.compare(
        yaml.safe_load(committed.read_text()), yaml.safe_load(generated.read_text()), moved=moved
    )
    breaking = [str(difference) for difference in differences if difference.breaking]
    assert not breaking, (
        f"{name}: a change that breaks clients of the committed contract:\n  "
        + "\n  ".join(breaking)
        + "\nkeep the old shape (or publish a new version); see docs/contracts.md"
    )
    stale = [difference for difference in differences if not difference.moved]
    if (stale or not differences) and generated.read_text() != committed.read_text():
        additive = [str(difference) for difference in stale] or ["prose only"]
        warnings.warn(
            ContractNeedsRegenerating(
                f"{name} needs regenerating (make openapi) for an additive change: "
                + "; ".join(additive)
            ),
            stacklevel=2,
        )


def assert_service_openapi_keeps_the_contract(service: str, tmp_path: Path) -> None:
    """:func:`assert_openapi_keeps_the_contract` for ``extracted/<service>`` and its committed
    ``docs/api/<service>-v1.yaml``."""
    assert_openapi_keeps_the_contract(
        REPO_ROOT / "extracted" / service / "manage.py",
        REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml",
        tmp_path,
    )


def assert_schema_copies_accept_what_producers_publish(
    service: str, event_types: set[str], examples: Iterable[Event]
) -> None:
    """The service's own schema copies (``extracted/<service>/schemas``) are exactly
    ``event_types``, each accepts every event its producer's schema allows (it may be looser,
    never stricter: :mod:`strangler.contracts.compat.events`), and both accept the
    ``examples``."""
    from strangler.events.schemas import PUBLISHED, SchemaRegistry

    own_schemas = REPO_ROOT / "extracted" / service / "schemas"
    own = SchemaRegistry(own_schemas)
    producer = SchemaRegistry(PUBLISHED)

    assert {t for t, _ in own.known()} == event_types
    incompatible = events.incompatible_copies(own_schemas, PUBLISHED)
    assert not incompatible, "\n".join(incompatible)
    for event in examples:
        own.validate(event)
        producer.validate(event)


def _resolved(node: Any, document: dict[str, Any]) -> Any:
    """``node`` with every $ref inlined and the prose (descriptions) left out."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolved(document["components"]["schemas"][name], document)
        return {k: _resolved(v, document) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_resolved(item, document) for item in node]
    return node


def assert_paths_are_the_monoliths(service: str, paths: Iterable[str]) -> None:
    """The service's committed document serves ``paths`` exactly as the monolith's did
    (parameters, bodies, statuses; the prose aside): a route moved, nothing a client sees."""
    ours = yaml.safe_load((REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml").read_text())
    theirs = yaml.safe_load((REPO_ROOT / "docs" / "api" / "monolith-v1.yaml").read_text())
    for path in paths:
        assert _resolved(ours["paths"][path], ours) == _resolved(theirs["paths"][path], theirs)

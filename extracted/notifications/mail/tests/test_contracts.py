"""The service's contracts: its committed OpenAPI document, the same notification JSON as the
monolith's, and its own copies of the event schemas it consumes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from extracted.notifications.mail.tests.helpers import order_cancelled, order_paid
from strangler.config import REPO_ROOT
from strangler.events.schemas import PUBLISHED, SchemaRegistry

COMMITTED = REPO_ROOT / "docs" / "api" / "notifications-v1.yaml"
MONOLITH = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"
MANAGE = REPO_ROOT / "extracted" / "notifications" / "manage.py"
OWN_SCHEMAS = REPO_ROOT / "extracted" / "notifications" / "schemas"


def test_generated_schema_matches_the_committed_contract(tmp_path: Path) -> None:
    generated = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            *(sys.executable, str(MANAGE), "spectacular"),
            *("--validate", "--fail-on-warn", "--file", str(generated)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert generated.read_text() == COMMITTED.read_text(), (
        "the notifications API contract changed: regenerate docs/api/notifications-v1.yaml "
        "(make openapi), review the diff, and commit it if the change is intended"
    )


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


def test_the_paths_and_json_are_the_monoliths() -> None:
    ours = yaml.safe_load(COMMITTED.read_text())
    theirs = yaml.safe_load(MONOLITH.read_text())
    for path in ("/api/v1/notifications", "/api/v1/notifications/{notification_id}"):
        assert _resolved(ours["paths"][path], ours) == _resolved(theirs["paths"][path], theirs)


def test_the_own_schema_copies_match_what_the_producer_publishes() -> None:
    own = SchemaRegistry(OWN_SCHEMAS)
    producer = SchemaRegistry(PUBLISHED)

    assert {t for t, _ in own.known()} == {"order.paid", "order.cancelled"}
    for name in [f"{t}.v{v}.json" for t, v in own.known()]:
        assert json.loads((OWN_SCHEMAS / name).read_text()) == json.loads(
            (PUBLISHED / name).read_text()
        ), f"{name}: the copy drifted from the producer's schema"
    for event in (order_paid(), order_cancelled()):
        own.validate(event)
        producer.validate(event)

"""The service's contracts: its committed OpenAPI document and its own copies of the event
schemas it consumes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extracted.analytics.sales.tests.helpers import order_cancelled, order_paid
from strangler.config import REPO_ROOT
from strangler.events.schemas import PUBLISHED, SchemaRegistry

COMMITTED = REPO_ROOT / "docs" / "api" / "analytics-v1.yaml"
MANAGE = REPO_ROOT / "extracted" / "analytics" / "manage.py"
OWN_SCHEMAS = REPO_ROOT / "extracted" / "analytics" / "schemas"


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
        "the analytics API contract changed: regenerate docs/api/analytics-v1.yaml "
        "(make openapi), review the diff, and commit it if the change is intended"
    )


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

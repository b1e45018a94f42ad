"""The service's contracts: its committed OpenAPI document and its own copies of the event
schemas it consumes."""

from __future__ import annotations

from pathlib import Path

from extracted.analytics.sales.tests.helpers import order_cancelled, order_paid
from strangler.config import REPO_ROOT
from strangler.service.testing import assert_schema_copies_match_the_producers, generate_openapi

COMMITTED = REPO_ROOT / "docs" / "api" / "analytics-v1.yaml"
MANAGE = REPO_ROOT / "extracted" / "analytics" / "manage.py"
OWN_SCHEMAS = REPO_ROOT / "extracted" / "analytics" / "schemas"


def test_generated_schema_matches_the_committed_contract(tmp_path: Path) -> None:
    generated = generate_openapi(MANAGE, tmp_path / "schema.yaml")
    assert generated.read_text() == COMMITTED.read_text(), (
        "the analytics API contract changed: regenerate docs/api/analytics-v1.yaml "
        "(make openapi), review the diff, and commit it if the change is intended"
    )


def test_the_own_schema_copies_match_what_the_producer_publishes() -> None:
    assert_schema_copies_match_the_producers(
        OWN_SCHEMAS, {"order.paid", "order.cancelled"}, (order_paid(), order_cancelled())
    )

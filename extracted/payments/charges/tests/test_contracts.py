"""The service's contracts: its committed OpenAPI document, whose public paths are the
monolith's to the byte (the gateway routes ``/api/v1/payments`` here from stage 4 on, and the
black-box suite runs unchanged against every stage), and the internal API beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from strangler.config import REPO_ROOT
from strangler.service.testing import assert_service_openapi_keeps_the_contract

COMMITTED = REPO_ROOT / "docs" / "api" / "payments-v1.yaml"
MONOLITH = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"
PUBLIC = ("/api/v1/payments", "/api/v1/payments/{payment_id}")


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("payments", tmp_path)


def test_the_public_paths_and_their_schemas_are_the_monoliths() -> None:
    own, monolith = _load(COMMITTED), _load(MONOLITH)

    assert {p for p in own["paths"] if p.startswith("/api/")} == set(PUBLIC)
    for path in PUBLIC:
        assert own["paths"][path] == monolith["paths"][path], path
    for name in ("Payment", "PaymentRefund", "PaymentCreateRequest", "PaginatedPaymentList"):
        assert own["components"]["schemas"][name] == monolith["components"]["schemas"][name]


def test_the_internal_api_is_contract_a() -> None:
    paths = _load(COMMITTED)["paths"]

    assert {p for p in paths if p.startswith("/internal/")} == {
        "/internal/v1/card-tokens/{card_token}",
        "/internal/v1/charges",
        "/internal/v1/refunds/{order_id}",
    }
    assert set(paths["/internal/v1/card-tokens/{card_token}"]) == {"get"}
    assert set(paths["/internal/v1/charges"]) == {"post"}
    assert set(paths["/internal/v1/refunds/{order_id}"]) == {"put"}

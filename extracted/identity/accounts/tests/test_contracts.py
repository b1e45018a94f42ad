"""The service's contract: its committed OpenAPI document (the public auth paths as the
monolith's document states them, and the internal credentials call)."""

from __future__ import annotations

from pathlib import Path

import yaml

from strangler.config import REPO_ROOT
from strangler.service.testing import assert_service_openapi_keeps_the_contract

COMMITTED = REPO_ROOT / "docs" / "api" / "identity-v1.yaml"
MONOLITH = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"
PUBLIC = ("/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/jwks.json")


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("identity", tmp_path)


def test_the_public_auth_paths_are_the_ones_the_monolith_documents() -> None:
    ours = yaml.safe_load(COMMITTED.read_text())
    monolith = yaml.safe_load(MONOLITH.read_text())

    assert set(ours["paths"]) == {*PUBLIC, "/internal/v1/credentials"}
    for path in PUBLIC:
        assert ours["paths"][path] == monolith["paths"][path]

"""The OpenAPI check of every service's suite: a breaking change fails, an additive one warns."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from strangler.config import REPO_ROOT
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.service.testing import ContractNeedsRegenerating, assert_openapi_keeps_the_contract
from strangler.stages.manifest import latest_stage

MONOLITH = REPO_ROOT / "manage.py"
# what the monolith stopped serving because the latest stage's gateway sends it elsewhere
MOVED = routed_elsewhere(latest_stage(), "monolith")
COMMITTED = yaml.safe_load((REPO_ROOT / "docs" / "api" / "monolith-v1.yaml").read_text())


def committed_copy(tmp_path: Path, change: str) -> Path:
    """The committed document with an endpoint ``change``d ("added" or "removed"): against it,
    the server's own document removes (or adds) that endpoint."""
    document = copy.deepcopy(COMMITTED)
    if change == "added":
        document["paths"]["/api/v1/brands"] = document["paths"]["/api/v1/categories"]
    else:
        del document["paths"]["/api/v1/categories"]
    path = tmp_path / "committed.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_server_without_a_committed_endpoint_fails_the_check(tmp_path: Path) -> None:
    committed = committed_copy(tmp_path, "added")

    with pytest.raises(AssertionError, match=r"GET /api/v1/brands: endpoint removed"):
        assert_openapi_keeps_the_contract(MONOLITH, committed, tmp_path, moved=MOVED)


def test_a_server_with_a_new_endpoint_passes_with_a_warning(tmp_path: Path) -> None:
    committed = committed_copy(tmp_path, "removed")

    with pytest.warns(ContractNeedsRegenerating, match=r"GET /api/v1/categories: endpoint added"):
        assert_openapi_keeps_the_contract(MONOLITH, committed, tmp_path, moved=MOVED)

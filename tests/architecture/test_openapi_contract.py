"""The public API's OpenAPI document is committed; a change to it must break no client.

At every stage of the migration clients see this same contract. A breaking change fails; an
additive one passes with a warning: regenerate with ``make openapi``, review the diff, commit.
"""

from __future__ import annotations

from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.service.testing import assert_openapi_keeps_the_contract

COMMITTED = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_openapi_keeps_the_contract(REPO_ROOT / "manage.py", COMMITTED, tmp_path)

"""The public API's OpenAPI document is committed; a change to it must break no client.

At every stage of the migration clients see this same contract. A breaking change fails; an
additive one passes with a warning: regenerate with ``make openapi``, review the diff, commit.
Endpoints the latest stage's gateway sends to an extracted service (notifications from stage 2,
where the monolith's notifications app is retired) moved, they were not removed: clients call
them through the gateway, and the service's own contract test covers them.
"""

from __future__ import annotations

from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.service.testing import assert_openapi_keeps_the_contract
from strangler.stages.manifest import latest_stage

COMMITTED = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    moved = routed_elsewhere(latest_stage(), "monolith")
    assert_openapi_keeps_the_contract(REPO_ROOT / "manage.py", COMMITTED, tmp_path, moved=moved)

"""The public API's OpenAPI document is committed; any change to it must be deliberate.

Regenerate with ``make openapi`` after an intended change, and review the diff: at every
stage of the migration clients see this same contract.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from strangler.config import REPO_ROOT

COMMITTED = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"


def test_generated_schema_matches_the_committed_contract(tmp_path: Path) -> None:
    generated = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(generated),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert generated.read_text() == COMMITTED.read_text(), (
        "the API contract changed: run `make openapi`, review the diff of "
        "docs/api/monolith-v1.yaml, and commit it if the change is intended"
    )

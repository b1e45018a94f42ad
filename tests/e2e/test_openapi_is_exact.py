"""Every committed OpenAPI document is exact: ``schemathesis run --checks all`` against the
service that serves it, and against the gateway in front of it, finds no failure.

All checks run: an undeclared status code, a response body that does not match its schema, a
request the schema allows that the server refuses with a 400, a request the schema forbids
that the server accepts, a missing 401 without a token, and so on. The gateway has no document
of its own: each service's document is run with the gateway's base URL too (the composed and
translated routes are covered by the gateway's own suites).

The run is bounded and repeatable: ``CONTRACT_EXAMPLES`` examples per operation (default 5)
and a fixed seed. A longer run with a new seed each time:
``CONTRACT_EXAMPLES=100 CONTRACT_SEED=random pytest tests/e2e/test_openapi_is_exact.py``
(the seed is printed in the failure, to repeat it).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES
from tests.e2e.conftest import StartedStage

CONFIG = REPO_ROOT / "strangler" / "contracts" / "schemathesis" / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
LATEST = max(STAGES, key=lambda stage: stage.number)
# the processes of the latest stage that serve a document of their own: docs/api/<name>-v1.yaml
SERVICES = sorted(
    process.name
    for process in LATEST.processes
    if (REPO_ROOT / "docs" / "api" / f"{process.name}-v1.yaml").exists()
)
FIXED_SEED = 20260101


def _seed() -> int:
    chosen = os.environ.get("CONTRACT_SEED", str(FIXED_SEED))
    return random.randrange(2**31) if chosen == "random" else int(chosen)


@pytest.fixture(scope="module")
def latest(stages: object) -> StartedStage:
    return stages(LATEST.number)  # type: ignore[operator, no-any-return]


@pytest.fixture(scope="module")
def access_token(latest: StartedStage) -> str:
    """A real customer's access token, so that schemathesis reaches past authentication."""
    url = f"{latest.running.urls['monolith']}/api/v1/auth/register"
    body = {
        "email": f"contract-{uuid.uuid4().hex[:8]}@example.com",
        "password": "contract-password-1",
        "full_name": "Contract Tester",
    }
    response = requests.post(url, json=body, timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["tokens"]["access"])


def schemathesis_run(document: Path, base_url: str, token: str, cwd: Path) -> tuple[int, str]:
    """``schemathesis run --checks all`` of ``document`` against ``base_url``: (exit code, log)."""
    seed = _seed()
    argv = [
        *(str(SCHEMATHESIS), "--no-color", "--config-file", str(CONFIG), "run", str(document)),
        *("--url", base_url, "--checks", "all", "--seed", str(seed)),
        *("--max-examples", os.environ.get("CONTRACT_EXAMPLES", "5")),
        *("--header", f"Authorization: Bearer {token}"),
        "--suppress-health-check=all",
    ]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600, cwd=cwd)
    log = f"seed {seed}, {time.monotonic() - started:.0f} s\n{done.stdout}\n{done.stderr}"
    return done.returncode, log


@pytest.mark.parametrize("through", ["service", "gateway"])
@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_no_failure(
    latest: StartedStage, access_token: str, service: str, through: str, tmp_path: Path
) -> None:
    document = REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml"
    process = service if through == "service" else latest.stage.entrypoint
    code, log = schemathesis_run(document, latest.running.urls[process], access_token, tmp_path)
    assert code == 0, f"{document.name} against the {through}: {log[-8000:]}"

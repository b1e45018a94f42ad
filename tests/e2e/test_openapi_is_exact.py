"""Every committed OpenAPI document is exact: ``schemathesis run --checks all`` against the
service that serves it, and against the gateway in front of it, finds no failure.

All checks run: an undeclared status code, a response body that does not match its schema, a
request the schema allows that the server refuses with a 400, a request the schema forbids
that the server accepts, a missing 401 without a token, and so on. The gateway has no document
of its own: each service's document is run with the gateway's base URL too (the composed and
translated routes are covered by the gateway's own suites).

The run is bounded and repeatable: ``CONTRACT_EXAMPLES`` generated examples per operation
(default 5) and a fixed seed; the runs go at once. A longer run, with a new seed each time
and every phase through the gateway too::

    CONTRACT_EXAMPLES=100 CONTRACT_SEED=random \
    CONTRACT_GATEWAY_PHASES=examples,coverage,fuzzing,stateful \
    pytest tests/e2e/test_openapi_is_exact.py

(a failure prints its seed: ``CONTRACT_SEED=<seed>`` repeats it).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from strangler.config import REPO_ROOT
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.contracts.compat.openapi import operations
from strangler.stages.manifest import get_stage, latest_stage
from tests.e2e.conftest import StartedStage, post_under_the_limit

CONFIG = REPO_ROOT / "strangler" / "contracts" / "schemathesis" / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
STAGE = latest_stage().number
LATEST = get_stage(STAGE)
# the processes of the latest stage that serve a document of their own: docs/api/<name>-v1.yaml
SERVICES = sorted(
    process.name
    for process in LATEST.processes
    if (REPO_ROOT / "docs" / "api" / f"{process.name}-v1.yaml").exists()
)
FIXED_SEED = 20260101
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# Through the gateway the same servers answer: the generated (fuzzing, stateful) requests find
# what the gateway adds; the coverage phase's thousand boundary cases run against the services.
GATEWAY_PHASES = os.environ.get("CONTRACT_GATEWAY_PHASES", "fuzzing,stateful")
# A service's calls from other services (/internal/v1/...: the monolith reserving stock) are
# in its document but reached by no route of the gateway: they run against the service only.
THROUGH_THE_GATEWAY = ("--exclude-path-regex", "^/internal/")


def _routed(service: str) -> bool:
    """Whether the service's document has a path the gateway routes (one outside /internal/):
    fraud's has none, only payments calls it."""
    document = yaml.safe_load((REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml").read_text())
    return any(not path.startswith("/internal/") for path in document["paths"])


# The documents whose every operation is kept to staff (the admin role): a customer's token
# would meet nothing but 403s.
STAFF_ONLY = {"analytics"}
RUNS = [
    (service, through)
    for service in SERVICES
    for through in ("service", "gateway")
    if through == "service" or _routed(service)
]


def _moved_away(service: str, document: Path) -> tuple[str, ...]:
    """``--exclude-name`` for each operation of the document that the latest stage's gateway
    sends to another service: run against the service itself, it need not serve them (the tag
    that retired their code does not); the run through the gateway reaches them where they are
    served."""
    moved = routed_elsewhere(LATEST, service)
    excluded: list[str] = []
    for method, path in operations(yaml.safe_load(document.read_text())):
        if moved(method, path):
            excluded += ["--exclude-name", f"{method} {path}"]
    return tuple(excluded)


def _seed() -> int:
    chosen = os.environ.get("CONTRACT_SEED", str(FIXED_SEED))
    return random.randrange(2**31) if chosen == "random" else int(chosen)


@pytest.fixture(scope="module")
def latest(stages: Callable[[int], StartedStage]) -> StartedStage:
    return stages(STAGE)


def access_token(latest: StartedStage, *, staff: bool = False) -> str:
    """A new customer's access token, so that schemathesis reaches past authentication; one
    per run, so that concurrent runs never share a cart or an Idempotency-Key. ``staff``: the
    account made staff first (identity's admin role), for a document kept to staff."""
    url = f"{latest.running.urls['monolith']}/api/v1/auth/register"
    account = {
        "email": f"contract-{uuid.uuid4().hex[:8]}@example.com",
        "password": "contract-password-1",
    }
    response = requests.post(url, json={**account, "full_name": "Contract Tester"}, timeout=10)
    assert response.status_code == 201, response.text
    if not staff:
        return str(response.json()["tokens"]["access"])
    latest.grant_admin(response.json()["customer"]["id"])
    signed_in = post_under_the_limit(f"{latest.base_url}/api/v1/auth/token", account)
    assert signed_in.status_code == 200, signed_in.text
    return str(signed_in.json()["access"])


@dataclass
class Run:
    """One ``schemathesis run`` in the background; :meth:`result` waits for it."""

    process: subprocess.Popen[str]
    seed: int
    started: float

    def result(self) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=900)
        took = time.monotonic() - self.started
        return self.process.returncode, f"seed {self.seed}, {took:.0f} s\n{out}"


def schemathesis_run(
    document: Path, base_url: str, token: str, phases: str, cwd: Path, *extra: str
) -> Run:
    """Start ``schemathesis run --checks all`` of ``document`` against ``base_url``."""
    seed = _seed()
    argv = [
        *(str(SCHEMATHESIS), "--no-color", "--config-file", str(CONFIG), "run", str(document)),
        *("--url", base_url, "--checks", "all", "--seed", str(seed), "--phases", phases),
        *("--max-examples", os.environ.get("CONTRACT_EXAMPLES", "5")),
        *("--header", f"Authorization: Bearer {token}"),
        "--suppress-health-check=all",
        *extra,
    ]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd
    )
    return Run(process=process, seed=seed, started=time.monotonic())


@pytest.fixture(scope="module")
def runs(
    latest: StartedStage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], Run]]:
    """Every run started at once (each waits on its servers more than on the CPU)."""
    started: dict[tuple[str, str], Run] = {}
    try:
        for service in SERVICES:
            document = REPO_ROOT / "docs" / "api" / f"{service}-v1.yaml"
            for through, process, phases, extra in (
                ("service", service, ALL_PHASES, _moved_away(service, document)),
                ("gateway", latest.stage.entrypoint, GATEWAY_PHASES, THROUGH_THE_GATEWAY),
            ):
                if (service, through) not in RUNS:
                    continue
                cwd = tmp_path_factory.mktemp(f"schemathesis-{service}-{through}")
                url = latest.running.urls[process]
                token = access_token(latest, staff=service in STAFF_ONLY)
                started[service, through] = schemathesis_run(
                    document, url, token, phases, cwd, *extra
                )
        yield started
    finally:
        for run in started.values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()


@pytest.mark.parametrize(("service", "through"), RUNS)
def test_schemathesis_finds_no_failure(
    runs: dict[tuple[str, str], Run], service: str, through: str
) -> None:
    code, log = runs[service, through].result()
    assert code == 0, f"{service}-v1.yaml against the {through}: {log[-8000:]}"

"""Property-based API tests: requests generated from the committed OpenAPI contract, valid
and invalid alike, sent to every stage's entrypoint (the monolith at stage 0, the gateway
after it). Every 5xx is a bug; none may appear. A 429 from the gateway's rate limits is fine.

Generation is derandomized so a run is repeatable; a failure prints the exact request.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from strangler.config import REPO_ROOT
from tests.e2e.conftest import StartedStage, post_under_the_limit

schema = schemathesis.openapi.from_path(str(REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"))


@pytest.fixture(scope="session")
def fuzz_token(stage: StartedStage) -> str:
    """A real customer's access token, so the fuzzer reaches past authentication."""
    body = {
        "email": f"fuzz-{uuid.uuid4().hex[:8]}@example.com",
        "password": "fuzz-password-1",
        "full_name": "Fuzz Tester",
    }
    response = post_under_the_limit(f"{stage.base_url}/api/v1/auth/register", body)
    assert response.status_code == 201, f"stage {stage.stage.number}: {response.text}"
    return str(response.json()["tokens"]["access"])


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "15")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_makes_the_api_answer_5xx(
    case: schemathesis.Case, stage: StartedStage, fuzz_token: str
) -> None:
    response = case.call(
        base_url=stage.base_url, headers={"Authorization": f"Bearer {fuzz_token}"}, timeout=15
    )
    assert response.status_code < 500, (
        f"stage {stage.stage.number}: {case.method} {case.formatted_path} answered "
        f"{response.status_code}\n"
        f"{case.as_curl_command()}\n{response.text[:1000]}"
    )
    if response.status_code in (204, 414):
        return  # no body; or gunicorn refused an over-long request line before Django ran
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{case.method} {case.formatted_path} answered {content_type!r}: {response.text[:300]}"
    )

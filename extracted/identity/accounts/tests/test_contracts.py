"""The service's contracts: its committed OpenAPI document (the public auth paths as the
monolith's document states them, and the internal credentials call), and the pacts of the
callers that name it (the monolith's customers context)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_django.live_server_helper import LiveServer

from extracted.identity.accounts.models import Credential
from extracted.identity.accounts.services import credential_create
from extracted.identity.accounts.tests.helpers import PASSWORD
from strangler.config import REPO_ROOT
from strangler.contracts.pact import verify_provider
from strangler.idempotency.models import IdempotencyRecord
from strangler.service.testing import assert_service_openapi_keeps_the_contract

COMMITTED = REPO_ROOT / "docs" / "api" / "identity-v1.yaml"
MONOLITH = REPO_ROOT / "docs" / "api" / "monolith-v1.yaml"
PUBLIC = ("/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/jwks.json")


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("identity", tmp_path)


def test_the_public_auth_paths_are_the_ones_the_monolith_documents() -> None:
    ours = yaml.safe_load(COMMITTED.read_text())
    monolith = yaml.safe_load(MONOLITH.read_text())

    internal = {"/internal/v1/credentials", "/internal/v1/credentials/{customer_id}/discard"}
    assert set(ours["paths"]) == {*PUBLIC, *internal}
    for path in PUBLIC:
        assert ours["paths"][path] == monolith["paths"][path]


def _empty(**_: Any) -> None:
    Credential.objects.all().delete()
    IdempotencyRecord.objects.all().delete()


def _taken(**_: Any) -> None:
    _empty()
    credential_create(customer_id=3, email="ada@example.com", password=PASSWORD)


def _left_behind(**_: Any) -> None:
    _empty()
    credential_create(customer_id=7, email="ada@example.com", password=PASSWORD)


STATES = {
    "no account has the e-mail ada@example.com": _empty,
    "customer 3 has the e-mail ada@example.com": _taken,
    "customer 7 has the e-mail ada@example.com": _left_behind,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the state writes
def test_identity_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    verify_provider("identity", live_server.url, STATES)

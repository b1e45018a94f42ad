"""The service's contracts: its committed OpenAPI document, which serves no public path, and
the pacts of the callers that name it (the monolith's payments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.tests.helpers import body, post
from strangler.config import REPO_ROOT
from strangler.contracts.pact import verify_provider
from strangler.idempotency.models import IdempotencyRecord
from strangler.service.testing import assert_service_openapi_keeps_the_contract

COMMITTED = REPO_ROOT / "docs" / "api" / "fraud-v1.yaml"


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("fraud", tmp_path)


def test_the_assessments_are_internal_only() -> None:
    document = yaml.safe_load(COMMITTED.read_text())

    assert set(document["paths"]) == {"/internal/v1/assessments"}
    [key] = document["paths"]["/internal/v1/assessments"]["post"]["parameters"]
    assert (key["in"], key["name"], key["required"]) == ("header", "Idempotency-Key", True)


def _empty(**_: Any) -> None:
    Assessment.objects.all().delete()
    IdempotencyRecord.objects.all().delete()


def _assessed_once(**_: Any) -> None:
    _empty()
    assert post(APIClient(), body(), key="order-41-attempt-1").status_code == 201


STATES = {
    "customer 42 has made no attempt": _empty,
    "attempt order-41-attempt-1 of customer 42 was assessed for 25.00 EUR": _assessed_once,
}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the state writes
def test_fraud_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    verify_provider("fraud", live_server.url, STATES)

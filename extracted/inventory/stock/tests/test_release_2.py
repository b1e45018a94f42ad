"""Release 2 of the service (``SERVICE_RELEASE=2``): the stock read shows an admin the orders
holding a SKU's reserved units; everyone else gets release 1's answer, and its OpenAPI document
only grows (no client of release 1 breaks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.inventory.stock.services import reservation_commit, stock_reserve, stock_set
from strangler.auth.tokens import issue_pair
from strangler.service.testing import (
    ContractNeedsRegenerating,
    assert_service_openapi_keeps_the_contract,
)
from strangler.testing import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/MUG"
RELEASE_1 = {"sku": "MUG", "on_hand": 9, "reserved": 5, "available": 4}


@pytest.fixture(autouse=True)
def release_2(settings: Any) -> None:
    settings.ROOT_URLCONF = "extracted.inventory.service.urls_v2"


@pytest.fixture
def held_mugs() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=71, lines=[("MUG", 3)])
    stock_reserve(order_id=72, lines=[("MUG", 2)])
    stock_reserve(order_id=73, lines=[("MUG", 1)])
    reservation_commit(order_id=73, lines=[("MUG", 1)])  # paid: no longer held


def _with_roles(*roles: str) -> APIClient:
    client = APIClient()
    token = issue_pair("5", email="staff@example.com", roles=list(roles)).access
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_an_admin_sees_the_orders_holding_the_reserved_units(held_mugs: None) -> None:
    response = _with_roles("customer", "admin").get(URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in RELEASE_1} == RELEASE_1
    assert [(h["order_id"], h["quantity"]) for h in body["held_by"]] == [(71, 3), (72, 2)]
    assert sum(h["quantity"] for h in body["held_by"]) == body["reserved"]
    assert all(h["expires_at"].endswith("Z") for h in body["held_by"])


@pytest.mark.parametrize(
    "client",
    [
        pytest.param(lambda: APIClient(), id="anonymous"),
        pytest.param(lambda: client_for(5), id="a token without roles"),
        pytest.param(lambda: _with_roles("customer"), id="a customer"),
    ],
)
def test_anyone_else_gets_release_1s_answer(held_mugs: None, client: Any) -> None:
    response = client().get(URL)

    assert response.status_code == 200, response.content
    assert response.json() == RELEASE_1


def test_an_unknown_sku_is_still_404_sku_not_found_for_an_admin() -> None:
    response = _with_roles("admin").get("/api/v1/inventory/NOPE")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "sku_not_found"


def test_release_2s_document_adds_to_release_1s_and_breaks_no_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SERVICE_RELEASE", "2")  # read by `manage.py spectacular`

    with pytest.warns(ContractNeedsRegenerating, match="held_by"):
        assert_service_openapi_keeps_the_contract("inventory", tmp_path)

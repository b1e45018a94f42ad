from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monolith.inventory.services import stock_reserve, stock_set
from monolith.inventory.tests.helpers import snapshot
from strangler.auth.tokens import issue_pair

pytestmark = pytest.mark.django_db


def test_route_is_named_and_has_no_trailing_slash() -> None:
    assert reverse("inventory-availability", kwargs={"sku": "A-1"}) == "/api/v1/inventory/A-1"


def test_availability_is_public(api_client: APIClient) -> None:
    stock_set(sku="COF-KEN-250", on_hand=12)
    stock_reserve(order_id=1, lines=[("COF-KEN-250", 5)])

    response = api_client.get("/api/v1/inventory/COF-KEN-250")

    assert response.status_code == 200
    assert response.json() == {
        "sku": "COF-KEN-250",
        "on_hand": 12,
        "reserved": 5,
        "available": 7,
    }


def test_unknown_sku_is_404_sku_not_found_and_creates_nothing(api_client: APIClient) -> None:
    stock_set(sku="A", on_hand=1)
    before = snapshot()

    response = api_client.get("/api/v1/inventory/NOPE")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "sku_not_found"
    assert error["details"] == {"sku": "NOPE"}
    assert snapshot() == before


def test_availability_accepts_a_valid_token_and_rejects_a_bad_one(api_client: APIClient) -> None:
    stock_set(sku="A", on_hand=1)

    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + issue_pair("7", email="x@e.com").access)
    assert api_client.get("/api/v1/inventory/A").status_code == 200

    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    response = api_client.get("/api/v1/inventory/A")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_availability_is_read_only(api_client: APIClient) -> None:
    stock_set(sku="A", on_hand=1)
    before = snapshot()

    response = api_client.put("/api/v1/inventory/A", {"on_hand": 100}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert snapshot() == before

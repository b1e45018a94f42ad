"""Cross-context API tests: every context real, in process, through the public HTTP API.

Only published interfaces are used to arrange data (catalog and inventory have no public
write API); everything a customer does goes through ``/api/v1/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from monolith.catalog import interface as catalog
from monolith.inventory import interface as inventory

SHOP_APPS = ("catalog", "customers", "orders", "inventory", "payments", "notifications")
PASSWORD = "a-long-test-password-7"


@dataclass(frozen=True)
class Shopper:
    client: APIClient
    customer_id: int
    email: str
    address_id: int
    access_token: str


@dataclass(frozen=True)
class Shop:
    """Two products on sale with known stock: ``first`` (5 units) and ``second`` (2 units)."""

    first: catalog.ProductInfo
    second: catalog.ProductInfo


def db_counts() -> dict[str, int]:
    """Rows in every table of the shop's contexts plus idempotency records."""
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in SHOP_APPS or m._meta.app_label == "idempotency"
    ]
    return {m._meta.label: m._default_manager.count() for m in models}


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def register(email: str, *, city: str = "Rotterdam") -> Shopper:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "full_name": email.split("@")[0].title()},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["tokens"]["access"]
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    address = client.post(
        "/api/v1/me/addresses",
        {
            "full_name": body["customer"]["full_name"],
            "line1": "12 Coolsingel",
            "city": city,
            "postal_code": "3011 AD",
            "country": "NL",
            "is_default": True,
        },
        format="json",
    )
    assert address.status_code == 201, address.content
    return Shopper(client, body["customer"]["id"], email, address.json()["id"], token)


@pytest.fixture(autouse=True)
def every_context_in_process(
    in_process_inventory: None, in_process_payments: None, in_process_credentials: None
) -> None:
    """Every context in process, inventory, payments and credentials included (the root
    conftest's fixtures)."""


@pytest.fixture
def shop(db: None) -> Shop:
    products = [p for p in catalog.seed_demo_catalog() if p.is_active]
    first, second = products[0], products[1]
    inventory.set_stock(sku=first.sku, on_hand=5)
    inventory.set_stock(sku=second.sku, on_hand=2)
    return Shop(first=first, second=second)


@pytest.fixture
def ada(shop: Shop) -> Shopper:
    return register("ada@example.com")


@pytest.fixture
def bob(shop: Shop) -> Shopper:
    return register("bob@example.com", city="Utrecht")


def stock(client: APIClient, sku: str) -> dict[str, int]:
    response = client.get(f"/api/v1/inventory/{sku}")
    assert response.status_code == 200
    return {k: response.json()[k] for k in ("on_hand", "reserved", "available")}

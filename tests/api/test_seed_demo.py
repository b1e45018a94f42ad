from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.conftest import db_counts

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_makes_a_shop_a_customer_and_an_admin() -> None:
    output = seed()

    assert "products" in output
    assert "demo@example.com / demo-password-1" in output
    assert "admin / admin" in output
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("admin")
    products = APIClient().get("/api/v1/products").json()
    assert products["count"] >= 20
    sku = products["results"][0]["sku"]
    assert APIClient().get(f"/api/v1/inventory/{sku}").json()["on_hand"] > 0
    token = APIClient().post(
        "/api/v1/auth/token",
        {"email": "demo@example.com", "password": "demo-password-1"},
        format="json",
    )
    assert token.status_code == 200


def test_seed_demo_twice_changes_nothing() -> None:
    seed()
    before = db_counts()
    users = get_user_model().objects.count()

    output = seed()

    assert db_counts() == before
    assert get_user_model().objects.count() == users
    assert "admin at /admin/ (already exists, password unchanged)" in output


def test_seed_demo_keeps_an_existing_superuser() -> None:
    get_user_model().objects.create_superuser("owner", "owner@example.com", "pw")

    output = seed()

    assert not get_user_model().objects.filter(username="admin").exists()
    assert "owner at /admin/ (already exists" in output

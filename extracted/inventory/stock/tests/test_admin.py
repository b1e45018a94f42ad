"""The service's admin: stock, reservations, holds and the outbox pages render for staff; stock
is edited through the service (never below what is reserved)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from extracted.inventory.stock.models import StockItem
from extracted.inventory.stock.services import stock_reserve, stock_set
from extracted.inventory.stock.tests.helpers import stock

MODELS = [
    *apps.get_app_config("inventory").get_models(),
    *apps.get_app_config("inventory_outbox").get_models(),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_renders(model: type[models.Model], staff: Client) -> None:
    stock_set(sku="MUG", on_hand=5)
    stock_reserve(order_id=1, lines=[("MUG", 2)])
    assert model in admin.site._registry, f"{model._meta.label} has no admin"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = staff.get(url, {"q": "1"} if admin.site._registry[model].search_fields else {})

    assert response.status_code == 200, f"{url} answered {response.status_code}"


def test_a_stock_row_page_renders(staff: Client) -> None:
    item = stock_set(sku="MUG", on_hand=5)

    response = staff.get(reverse("admin:inventory_stockitem_change", args=[item.pk]))

    assert response.status_code == 200
    assert b"MUG" in response.content


@pytest.mark.parametrize(("level", "shown"), [("out", b"OUT"), ("low", b"LOW"), ("ok", b"LOTS")])
def test_the_stock_level_filter(staff: Client, level: str, shown: bytes) -> None:
    stock_set(sku="OUT", on_hand=0)
    stock_set(sku="LOW", on_hand=3)
    stock_set(sku="LOTS", on_hand=50)

    response = staff.get(reverse("admin:inventory_stockitem_changelist"), {"level": level})

    assert response.status_code == 200
    assert shown in response.content


def test_on_hand_cannot_go_below_what_is_reserved(staff: Client) -> None:
    item = stock_set(sku="MUG", on_hand=5)
    stock_reserve(order_id=1, lines=[("MUG", 3)])
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])

    refused = staff.post(url, {"on_hand": 2})
    accepted = staff.post(url, {"on_hand": 9})

    assert refused.status_code == 200 and b"are reserved" in refused.content
    assert accepted.status_code == 302
    assert stock("MUG") == (9, 3)


def test_reservations_cannot_be_added_or_deleted(staff: Client) -> None:
    assert staff.get(reverse("admin:inventory_reservation_add")).status_code == 403
    assert StockItem.objects.count() == 0


def test_seed_admin_makes_the_login_once() -> None:
    call_command("seed_admin")
    call_command("seed_admin")

    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert Client().login(username="admin", password="admin")

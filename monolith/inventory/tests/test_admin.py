from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from monolith.inventory.models import Reservation, StockItem
from monolith.inventory.services import stock_reserve, stock_set
from monolith.inventory.tests.helpers import snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stock() -> None:
    stock_set(sku="PLENTY", on_hand=100)
    stock_set(sku="LOW", on_hand=4)
    stock_set(sku="GONE", on_hand=1)
    stock_reserve(order_id=1, lines=[("GONE", 1), ("PLENTY", 3)])


@pytest.mark.parametrize(
    ("level", "expected"), [("", {"PLENTY", "LOW", "GONE"}), ("out", {"GONE"}), ("low", {"LOW"})]
)
def test_stock_changelist_filters_by_level(
    admin_client: Client, level: str, expected: set[str]
) -> None:
    url = reverse("admin:inventory_stockitem_changelist") + (f"?level={level}" if level else "")

    response = admin_client.get(url)

    assert response.status_code == 200
    shown = {item.sku for item in response.context["cl"].result_list}
    assert shown == expected


def test_stock_changelist_searches_and_orders_by_available(admin_client: Client) -> None:
    url = reverse("admin:inventory_stockitem_changelist")

    assert admin_client.get(url + "?q=PLEN").status_code == 200
    assert admin_client.get(url + "?o=4").status_code == 200


def test_admin_edit_changes_on_hand_only(admin_client: Client) -> None:
    item = StockItem.objects.get(sku="PLENTY")

    response = admin_client.post(
        reverse("admin:inventory_stockitem_change", args=[item.pk]), {"on_hand": 50}
    )

    assert response.status_code == 302
    assert stock("PLENTY") == (50, 3)


def test_admin_edit_below_the_reserved_units_is_refused(admin_client: Client) -> None:
    item = StockItem.objects.get(sku="PLENTY")
    before = snapshot()

    response = admin_client.post(
        reverse("admin:inventory_stockitem_change", args=[item.pk]), {"on_hand": 2}
    )

    assert response.status_code == 200
    assert "on_hand" in response.context["adminform"].form.errors
    assert snapshot() == before


def test_admin_adds_a_stock_item(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:inventory_stockitem_add"), {"sku": "NEW", "on_hand": 7}
    )

    assert response.status_code == 302
    assert stock("NEW") == (7, 0)


@pytest.mark.parametrize("query", ["", "?status__exact=active", "?q=GONE", "?q=1", "?q=abc"])
def test_reservations_changelist_renders(admin_client: Client, query: str) -> None:
    response = admin_client.get(reverse("admin:inventory_reservation_changelist") + query)

    assert response.status_code == 200


def test_reservations_are_read_only(admin_client: Client) -> None:
    reservation = Reservation.objects.get(order_id=1, sku="GONE")
    change_url = reverse("admin:inventory_reservation_change", args=[reservation.pk])
    before = snapshot()

    assert admin_client.get(change_url).status_code == 200
    assert admin_client.post(change_url, {"status": "released"}).status_code == 403
    assert admin_client.get(reverse("admin:inventory_reservation_add")).status_code == 403
    delete_url = reverse("admin:inventory_reservation_delete", args=[reservation.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert snapshot() == before


def test_stock_items_cannot_be_deleted(admin_client: Client) -> None:
    item = StockItem.objects.get(sku="LOW")
    before = snapshot()

    delete_url = reverse("admin:inventory_stockitem_delete", args=[item.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert snapshot() == before

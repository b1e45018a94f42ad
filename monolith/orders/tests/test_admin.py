from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from monolith.orders.models import Order
from monolith.orders.tests.helpers import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_order_admin_lists_filters_searches_and_shows_lines(staff: Client) -> None:
    order = make_order("paid")

    assert staff.get("/admin/orders/order/").status_code == 200
    assert staff.get("/admin/orders/order/?status__exact=paid").status_code == 200
    assert staff.get(f"/admin/orders/order/?q={order.pk}").status_code == 200
    assert staff.get("/admin/orders/order/?q=not-a-number").status_code == 200
    detail = staff.get(f"/admin/orders/order/{order.pk}/change/")
    assert detail.status_code == 200
    assert b"Stoneware mug" in detail.content


def test_the_cart_admin_pages_render(staff: Client) -> None:
    for path in ["/admin/orders/cart/", "/admin/orders/cartitem/", "/admin/orders/orderline/"]:
        assert staff.get(path).status_code == 200


def test_the_mark_fulfilled_action_fulfils_paid_orders_only(staff: Client) -> None:
    paid, pending = make_order("paid"), make_order("pending")

    response = staff.post(
        "/admin/orders/order/",
        {"action": "mark_fulfilled", "_selected_action": [paid.pk, pending.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert Order.objects.get(pk=paid.pk).status == "fulfilled"
    assert Order.objects.get(pk=pending.pk).status == "pending"
    assert b"1 order(s) marked fulfilled" in response.content

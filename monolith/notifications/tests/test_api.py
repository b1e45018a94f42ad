from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from monolith.notifications.models import Notification
from monolith.notifications.tests.conftest import CUSTOMER_ID, OTHER_CUSTOMER_ID

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def _notification(customer_id: int, order_id: int, minutes_ago: int = 0) -> Notification:
    return Notification.objects.create(
        customer_id=customer_id,
        order_id=order_id,
        kind=Notification.Kind.ORDER_PAID,
        subject=f"Your order #{order_id} is confirmed",
        body="...",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_listing_shows_only_my_notifications_newest_first_paginated(api: APIClient) -> None:
    _notification(CUSTOMER_ID, 1, minutes_ago=30)
    _notification(CUSTOMER_ID, 2, minutes_ago=20)
    _notification(CUSTOMER_ID, 3, minutes_ago=10)
    _notification(OTHER_CUSTOMER_ID, 4)

    response = api.get(URL, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["order_id"] for n in body["results"]] == [3, 2]
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "order_id",
        "recipient",
        "subject",
        "body",
        "status",
        "created_at",
        "sent_at",
    }
    assert [n["order_id"] for n in api.get(URL, {"page_size": 2, "page": 2}).json()["results"]] == [
        1
    ]


def test_listing_filtered_by_order_shows_only_that_orders_notifications(
    api: APIClient,
) -> None:
    _notification(CUSTOMER_ID, 1, minutes_ago=30)
    _notification(CUSTOMER_ID, 2, minutes_ago=20)
    _notification(OTHER_CUSTOMER_ID, 3)

    body = api.get(URL, {"order_id": 1}).json()

    assert body["count"] == 1
    assert body["results"][0]["order_id"] == 1


@pytest.mark.parametrize("bad", ["0", "abc", "9" * 30])
def test_a_bad_order_filter_is_400(api: APIClient, bad: str) -> None:
    response = api.get(URL, {"order_id": bad})

    assert response.status_code == 400
    assert "order_id" in response.json()["error"]["details"]


def test_reading_my_notification(api: APIClient) -> None:
    notification = _notification(CUSTOMER_ID, 1)

    response = api.get(f"{URL}/{notification.pk}")

    assert response.status_code == 200
    assert response.json()["subject"] == "Your order #1 is confirmed"
    assert response.json()["status"] == "pending"


def test_reading_someone_elses_notification_is_404(other_api: APIClient) -> None:
    notification = _notification(CUSTOMER_ID, 1)

    response = other_api.get(f"{URL}/{notification.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "notification_not_found"


def test_anonymous_callers_are_401() -> None:
    assert APIClient().get(URL).status_code == 401

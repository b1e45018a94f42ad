"""The service answers /api/v1/notifications exactly as the monolith did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from extracted.notifications.mail.models import Notification
from extracted.notifications.mail.tests.helpers import CUSTOMER_ID, OTHER_CUSTOMER_ID
from strangler.testing import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"
FIELDS = {
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


def _notification(customer_id: int, order_id: int, minutes_ago: int = 0) -> Notification:
    return Notification.objects.create(
        customer_id=customer_id,
        order_id=order_id,
        kind=Notification.Kind.ORDER_PAID,
        subject=f"Your order #{order_id} is confirmed",
        body="...",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def api() -> APIClient:
    return client_for(CUSTOMER_ID)


def test_listing_shows_only_my_notifications_newest_first_paginated(api: APIClient) -> None:
    _notification(CUSTOMER_ID, 1, minutes_ago=30)
    _notification(CUSTOMER_ID, 2, minutes_ago=20)
    _notification(CUSTOMER_ID, 3, minutes_ago=10)
    _notification(OTHER_CUSTOMER_ID, 4)

    body = api.get(URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert [n["order_id"] for n in body["results"]] == [3, 2]
    assert set(body["results"][0]) == FIELDS
    assert body["next"] is not None


def test_listing_filtered_by_order(api: APIClient) -> None:
    _notification(CUSTOMER_ID, 1)
    _notification(CUSTOMER_ID, 2)

    body = api.get(URL, {"order_id": 2}).json()

    assert [n["order_id"] for n in body["results"]] == [2]
    assert api.get(URL, {"order_id": "abc"}).status_code == 400


def test_reading_mine_and_not_someone_elses(api: APIClient) -> None:
    notification = _notification(CUSTOMER_ID, 1)

    assert api.get(f"{URL}/{notification.pk}").json()["status"] == "pending"
    other = client_for(OTHER_CUSTOMER_ID).get(f"{URL}/{notification.pk}")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "notification_not_found"


def test_anonymous_callers_are_401() -> None:
    assert APIClient().get(URL).status_code == 401


def test_probes_and_admin(client: object, admin_client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client) and isinstance(admin_client, Client)
    assert client.get("/health/live").json() == {"status": "alive", "service": "notifications"}
    _notification(CUSTOMER_ID, 1)
    for page in (
        "/admin/notifications/notification/",
        "/admin/events/processedmessage/",
        "/admin/events/deadletter/",
    ):
        assert admin_client.get(page).status_code == 200, page

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monolith.notifications.models import Notification
from monolith.notifications.tests.conftest import CUSTOMER_ID

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


def _notification(order_id: int, status: str, recipient: str = "") -> Notification:
    return Notification.objects.create(
        customer_id=CUSTOMER_ID,
        order_id=order_id,
        kind=Notification.Kind.ORDER_PAID,
        subject=f"Your order #{order_id} is confirmed",
        body="Thank you.",
        status=status,
        recipient=recipient,
        attempts=6 if status == "failed" else 1,
        last_error="SMTPServerDisconnected: gone" if status == "failed" else "",
        sent_at=timezone.now() if status == "sent" else None,
    )


def test_resend_failed_sends_the_failed_ones_and_skips_the_others(
    admin_client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    failed = _notification(1, "failed")
    sent = _notification(2, "sent", "ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "resend_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 failed notification(s) queued" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your order #1 is confirmed"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 7)


def test_a_sent_notification_cannot_be_changed(admin_client: Client) -> None:
    sent = _notification(1, "sent", "ada@example.com")
    url = reverse("admin:notifications_notification_change", args=[sent.pk])

    assert admin_client.get(url).status_code == 200  # viewable
    response = admin_client.post(url, {"subject": "Changed", "body": "Changed"})

    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.subject == "Your order #1 is confirmed"


def test_filters_and_search_by_recipient_or_order(admin_client: Client) -> None:
    _notification(11, "sent", "ada@example.com")
    _notification(12, "failed")

    for query in (
        {"status__exact": "failed"},
        {"kind__exact": "order_paid"},
        {"q": "ada@example"},
        {"q": "12"},
        {"q": "not-a-number"},
    ):
        assert admin_client.get(reverse(CHANGELIST), query).status_code == 200, query
    page = admin_client.get(reverse(CHANGELIST), {"q": "ada@example"}).content.decode()
    assert "ada@example.com" in page

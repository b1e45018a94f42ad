"""The notifications service keeps its consumers' pacts: every interaction of the committed
pact files that name it as provider (strangler/contracts/pacts/), replayed against a running
instance (Django's live server over the test database).

Pact calls the provider-state function before each interaction; it writes the notification the
consumer's example names (5, about order 7), with the model since no API creates one.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from extracted.notifications.mail.models import Notification
from strangler.auth.tokens import issue_pair
from strangler.contracts.pact import CUSTOMER_ID, verify_provider

ORDER_ID, NOTIFICATION_ID = 7, 5


def notified_about_order_7(**_: Any) -> None:
    Notification.objects.update_or_create(
        id=NOTIFICATION_ID,
        defaults={
            "customer_id": CUSTOMER_ID,
            "order_id": ORDER_ID,
            "kind": Notification.Kind.ORDER_PAID,
            "recipient": "ada@example.com",
            "subject": "Your order 7 is paid",
            "body": "Thank you.",
            "status": Notification.Status.SENT,
        },
    )


STATES = {f"customer {CUSTOMER_ID} was notified about order {ORDER_ID}": notified_about_order_7}


@pytest.mark.django_db(transaction=True)  # the live server's thread reads what the state writes
def test_notifications_honours_every_pact_that_names_it(live_server: LiveServer) -> None:
    token = issue_pair(str(CUSTOMER_ID), email="ada@example.com").access
    verify_provider(
        "notifications", live_server.url, STATES, headers={"Authorization": f"Bearer {token}"}
    )

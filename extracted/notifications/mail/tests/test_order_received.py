"""``order.created`` becomes the "order received" e-mail: once, to the customer's address."""

from __future__ import annotations

from typing import Any

import pytest
from celery import Celery
from django.core import mail

from extracted.notifications.mail.models import Notification
from extracted.notifications.mail.tests.helpers import (
    order_created,
    order_paid,
)
from strangler.events.consumer import EventConsumer
from strangler.events.envelope import Delivery
from strangler.events.models import ProcessedMessage

pytestmark = pytest.mark.django_db


def received() -> Notification:
    return Notification.objects.get(kind="order_received")


def test_the_order_received_mail_gives_the_number_the_lines_and_the_total(
    consumer: EventConsumer, app: Celery
) -> None:
    event = order_created()

    outcome = consumer.deliver(event.to_dict(), retries=0, app=app)

    assert outcome.status == "applied"
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "We have received your order #7"
    assert message.body == (
        "Hello,\n\n"
        "we have received your order #7. We will write again once it is paid.\n\n"
        "  2 x Blue mug (MUG-BLUE)\n"
        "  1 x Earl Grey, 100 g (TEA-EARL)\n\n"
        "Total: 31.50 EUR\n\n"
        "The shop\n"
    )
    assert message.extra_headers["X-Idempotency-Key"] == event.id
    notification = received()
    assert (notification.order_id, notification.status, notification.recipient) == (
        7,
        "sent",
        "ada@example.com",
    )
    assert notification.subject == message.subject
    assert str(notification.event_id) == event.id


def test_order_created_delivered_three_times_makes_one_notification_and_one_mail(
    consumer: EventConsumer, app: Celery
) -> None:
    envelope = order_created().to_dict()

    statuses = [consumer.deliver(envelope, retries=0, app=app).status for _ in range(3)]
    consumer.deliver(order_created().to_dict(), retries=0, app=app)  # another id, same order

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert Notification.objects.filter(kind="order_received").count() == 1
    assert len(mail.outbox) == 1


def test_created_and_paid_in_one_batch_send_every_mail(
    consumer: EventConsumer, app: Celery, django_assert_max_num_queries: Any
) -> None:
    batch = [order_created(order_id=n) for n in range(1, 6)] + [order_paid(order_id=1)]

    with django_assert_max_num_queries(7):  # the consumer's own, then a read and an insert per run
        outcomes = consumer.deliver_many([Delivery(e.to_dict()) for e in batch], app=app)

    assert {o.status for o in outcomes} == {"applied"}
    assert len(mail.outbox) == 6
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert ProcessedMessage.objects.count() == 6

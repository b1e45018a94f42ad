"""Order events become notifications and e-mails: once, whatever the broker redelivers."""

from __future__ import annotations

import smtplib
from typing import Any, ClassVar

import pytest
from celery import Celery
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from extracted.notifications.mail.models import Notification
from extracted.notifications.mail.tests.helpers import order_cancelled, order_paid
from strangler.events.consumer import EventConsumer
from strangler.events.envelope import Delivery
from strangler.events.models import DeadLetter, ProcessedMessage

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    failures: ClassVar[int] = 0

    def send_messages(self, messages: Any) -> int:
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_order_paid_sends_the_confirmation_once_with_the_event_id_as_idempotency_key(
    consumer: EventConsumer, app: Celery
) -> None:
    event = order_paid()

    outcome = consumer.deliver(event.to_dict(), retries=0, app=app)

    assert outcome.status == "applied"
    notification = Notification.objects.get()
    assert (notification.kind, notification.status, notification.attempts) == (
        "order_paid",
        "sent",
        1,
    )
    assert str(notification.event_id) == event.id
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your order #7 is confirmed"
    assert "2 x Blue mug (MUG-BLUE)" in message.body
    assert "Total: 31.50 EUR" in message.body
    assert message.extra_headers["X-Idempotency-Key"] == event.id
    assert message.extra_headers["Message-ID"] == f"<{event.id}@notifications.shop>"


def test_the_same_event_delivered_three_times_makes_one_notification_and_one_mail(
    consumer: EventConsumer, app: Celery
) -> None:
    envelope = order_paid().to_dict()

    statuses = [consumer.deliver(envelope, retries=0, app=app).status for _ in range(3)]

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert ProcessedMessage.objects.count() == 1


def test_a_second_event_for_the_same_order_and_kind_adds_nothing(
    consumer: EventConsumer, app: Celery
) -> None:
    consumer.deliver(order_paid().to_dict(), retries=0, app=app)
    consumer.deliver(order_paid().to_dict(), retries=0, app=app)  # another id, same order

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_cancellation_mail_gives_the_reason(consumer: EventConsumer, app: Celery) -> None:
    consumer.deliver(order_cancelled().to_dict(), retries=0, app=app)

    [message] = mail.outbox
    assert message.subject == "Your order #7 was cancelled"
    assert "Reason: The reservation expired." in message.body


def test_a_cancellation_because_the_stock_ran_out_says_so_and_that_the_payment_is_refunded(
    consumer: EventConsumer, app: Celery
) -> None:
    event = order_cancelled(
        cause="stock_unavailable", was_paid=True, reason="Blue mug (MUG-BLUE) ran out of stock."
    )

    statuses = [consumer.deliver(event.to_dict(), retries=0, app=app).status for _ in range(3)]

    assert statuses == ["applied", "duplicate", "duplicate"]
    [message] = mail.outbox
    assert message.subject == "Your order #7 was cancelled"
    assert message.body == (
        "Hello,\n\n"
        "your order #7 has been cancelled because the stock ran out.\n\n"
        "Reason: Blue mug (MUG-BLUE) ran out of stock.\n\n"
        "Your payment is refunded.\n\n"
        "The shop\n"
    )
    assert Notification.objects.get().kind == "order_cancelled"


def test_a_failed_checkout_is_not_mailed(consumer: EventConsumer, app: Celery) -> None:
    outcome = consumer.deliver(
        order_cancelled(cause="checkout_failed").to_dict(), retries=0, app=app
    )

    assert outcome.status == "applied"
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_an_smtp_failure_changes_nothing_and_the_retry_sends_the_mail(
    consumer: EventConsumer, app: Celery, settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = 1
    envelope = order_paid().to_dict()

    first = consumer.deliver(envelope, retries=0, app=app)
    after_failure = (Notification.objects.count(), ProcessedMessage.objects.count())
    second = consumer.deliver(envelope, retries=1, app=app)  # the retry arrives

    assert first.status == "retrying"
    assert after_failure == (0, 0)  # rolled back whole: the retry starts from scratch
    assert second.status == "applied"
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_an_event_breaking_this_services_copy_of_the_schema_is_dead_lettered(
    consumer: EventConsumer, app: Celery
) -> None:
    outcome = consumer.deliver(order_paid(customer_email=None).to_dict(), retries=0, app=app)

    assert outcome.status == "dead-lettered"
    assert "customer_email" in outcome.detail
    assert Notification.objects.count() == 0
    assert DeadLetter.objects.get().consumer == "notifications"


def test_a_batch_makes_one_notification_per_order_and_kind_in_a_few_statements(
    consumer: EventConsumer, app: Celery, django_assert_max_num_queries: Any
) -> None:
    consumer.deliver(order_paid(order_id=1).to_dict(), retries=0, app=app)
    mail.outbox.clear()
    batch = [
        order_paid(order_id=1),  # another event for an order already notified
        order_paid(order_id=2),
        order_paid(order_id=2),  # another event, same order, same batch
        order_cancelled(order_id=2),
        order_cancelled(order_id=3, customer_email=""),
        *(order_paid(order_id=n) for n in range(4, 30)),
    ]

    # the claim, then a read and an insert per run of one type: not a statement per event
    with django_assert_max_num_queries(10):
        outcomes = consumer.deliver_many([Delivery(e.to_dict()) for e in batch], app=app)

    assert {o.status for o in outcomes} == {"applied"}
    made = {(n.order_id, n.kind): n for n in Notification.objects.exclude(order_id=1)}
    assert {key: n.status for key, n in made.items()} == {
        (2, "order_paid"): "sent",
        (2, "order_cancelled"): "sent",
        (3, "order_cancelled"): "failed",
        **{(n, "order_paid"): "sent" for n in range(4, 30)},
    }
    assert Notification.objects.filter(order_id=1).count() == 1
    sent_keys = sorted(m.extra_headers["X-Idempotency-Key"] for m in mail.outbox)
    assert sent_keys == sorted(str(n.event_id) for n in made.values() if n.status == "sent")
    assert ProcessedMessage.objects.count() == 1 + len(batch)

"""notify_* writes in the caller's transaction; the e-mail goes out once, after the commit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from monolith.notifications import interface, services
from monolith.notifications.models import Notification
from monolith.notifications.tasks import MAX_RETRIES, send_notification
from monolith.notifications.tests.conftest import CUSTOMER_ID
from monolith.notifications.tests.doubles import FlakyBackend

pytestmark = pytest.mark.django_db

LINES = [("MUG-BLUE", "Blue mug", 2), ("TEA-EARL", "Earl Grey, 100 g", 1)]


class Boom(Exception):
    pass


def _notify_paid(order_id: int = 7, customer_id: int = CUSTOMER_ID) -> interface.NotificationInfo:
    return interface.notify_order_paid(
        customer_id=customer_id,
        order_id=order_id,
        total=Decimal("31.5"),
        currency="EUR",
        lines=LINES,
    )


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        _notify_paid()
        raise Boom

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_the_mail_is_sent_once_after_the_commit(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            info = _notify_paid()
            assert mail.outbox == []  # not before the commit
        assert info.status == "pending"

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your order #7 is confirmed"
    assert "2 x Blue mug (MUG-BLUE)" in message.body
    assert "1 x Earl Grey, 100 g (TEA-EARL)" in message.body
    assert "Total: 31.50 EUR" in message.body
    assert message.extra_headers["X-Notification-Id"] == str(info.id)
    notification = Notification.objects.get()
    assert notification.status == "sent"
    assert notification.recipient == "ada@example.com"
    assert notification.attempts == 1
    assert notification.sent_at is not None


def test_running_the_task_again_does_not_send_again(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        info = _notify_paid()

    send_notification.delay(info.id)
    services.notification_send(notification_id=info.id)

    assert len(mail.outbox) == 1
    assert Notification.objects.get().attempts == 1


def test_the_same_order_event_twice_makes_one_notification_and_one_mail(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify_paid()
        second = _notify_paid()

    assert first.id == second.id
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_order_cancelled_mail_gives_the_reason(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        info = interface.notify_order_cancelled(
            customer_id=CUSTOMER_ID, order_id=7, reason="The reservation expired."
        )

    assert info.kind == "order_cancelled"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your order #7 was cancelled"
    assert "Reason: The reservation expired." in mail.outbox[0].body
    assert Notification.objects.get().status == "sent"


def test_an_order_received_mail_gives_the_number_the_lines_and_the_total_once(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    def notify() -> interface.NotificationInfo:
        return interface.notify_order_received(
            customer_id=CUSTOMER_ID,
            order_id=7,
            total=Decimal("31.5"),
            currency="EUR",
            lines=LINES,
        )

    with django_capture_on_commit_callbacks(execute=True):
        infos = [notify() for _ in range(3)]  # the same event reported three times

    assert {info.id for info in infos} == {infos[0].id}
    assert infos[0].kind == "order_received"
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
    assert Notification.objects.get().status == "sent"


def test_an_order_is_received_then_confirmed_two_mails(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        interface.notify_order_received(
            customer_id=CUSTOMER_ID, order_id=7, total=Decimal("31.5"), currency="EUR", lines=LINES
        )
        _notify_paid()

    assert [m.subject for m in mail.outbox] == [
        "We have received your order #7",
        "Your order #7 is confirmed",
    ]


def test_smtp_errors_are_retried_until_the_mail_goes_out(
    django_capture_on_commit_callbacks: Callable, flaky_smtp: Callable[[int], None]
) -> None:
    flaky_smtp(2)

    with django_capture_on_commit_callbacks(execute=True):
        _notify_paid()

    notification = Notification.objects.get()
    assert notification.status == "sent"
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert FlakyBackend.calls == 3
    assert len(mail.outbox) == 1


def test_after_the_last_retry_the_notification_is_failed_with_the_error(
    django_capture_on_commit_callbacks: Callable, flaky_smtp: Callable[[int], None]
) -> None:
    flaky_smtp(100)

    with django_capture_on_commit_callbacks(execute=True):
        _notify_paid()

    notification = Notification.objects.get()
    assert notification.status == "failed"
    assert notification.attempts == 1 + MAX_RETRIES
    assert notification.last_error.startswith("SMTPServerDisconnected")
    assert notification.sent_at is None
    assert mail.outbox == []


def test_a_retry_that_is_not_the_last_leaves_the_notification_pending(
    flaky_smtp: Callable[[int], None],
) -> None:
    with transaction.atomic():
        info = _notify_paid()
    flaky_smtp(1)

    with pytest.raises(OSError):
        services.notification_send(notification_id=info.id, final_attempt=False)

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert "Connection unexpectedly closed" in notification.last_error


def test_an_unknown_customer_fails_at_once_without_retrying(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify_paid(customer_id=999)

    notification = Notification.objects.get()
    assert notification.status == "failed"
    assert notification.attempts == 1
    assert notification.last_error.startswith("CustomerNotFound")
    assert mail.outbox == []


def test_a_real_customer_gets_the_mail_at_their_address(
    django_capture_on_commit_callbacks: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monolith.customers import interface as customers

    monkeypatch.setattr(services, "get_recipient", customers.get_recipient)
    demo = customers.seed_demo_customer()

    with django_capture_on_commit_callbacks(execute=True):
        _notify_paid(customer_id=demo.customer_id)

    assert [m.to for m in mail.outbox] == [[demo.email]]

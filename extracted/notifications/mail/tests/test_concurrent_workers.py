"""Two workers at once: one applies ``order.created`` (no address known yet), the other the
``order.paid`` that carries the address. The "order received" e-mail never stays waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from extracted.notifications.mail.handlers import on_order_created, on_order_paid
from extracted.notifications.mail.models import Notification
from extracted.notifications.mail.tests.helpers import order_created, order_paid
from strangler.testing import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time anyway"
    ),
]


def _in_thread(work: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_on_a_customer_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        row = cursor.fetchone()
    return bool(row and row[0])


def test_the_paid_event_waits_for_the_created_one_and_sends_its_mail_too() -> None:
    applied, release = threading.Event(), threading.Event()

    def created() -> None:
        with transaction.atomic():
            on_order_created(order_created(order_id=7))
            applied.set()
            release.wait(timeout=30)

    def paid() -> None:
        with transaction.atomic():
            on_order_paid(order_paid(order_id=7))

    one = _in_thread(created)
    assert applied.wait(timeout=30)
    two = _in_thread(paid)
    try:
        eventually(_waiting_on_a_customer_lock, "the second worker waiting on the customer")
    finally:
        release.set()
        one.join(timeout=30)
        two.join(timeout=30)

    statuses = dict(Notification.objects.values_list("kind", "status"))
    assert statuses == {"order_received": "sent", "order_paid": "sent"}
    assert [m.subject for m in mail.outbox] == [
        "We have received your order #7",
        "Your order #7 is confirmed",
    ]

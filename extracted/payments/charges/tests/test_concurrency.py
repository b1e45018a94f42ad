"""A refund that arrives while the order's charge is still running, on PostgreSQL: threads with
their own connections, as the service's gunicorn threads have."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from extracted.payments.charges import services
from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.ports import ChargeAttempt
from extracted.payments.charges.tests.fakes import FakeFraud
from extracted.payments.charges.wiring import FRAUD
from strangler.composition import root
from strangler.testing import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL: SQLite's shared-cache test database refuses a second "
        "writer at once (database table is locked) instead of waiting",
    ),
]


class HeldFraud(FakeFraud):
    """Approves, but only once released: the charge stays in flight until the test says."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = threading.Event()
        self.release = threading.Event()

    def assess(self, attempt: ChargeAttempt) -> tuple[str, ...]:
        self.asked.set()
        assert self.release.wait(timeout=30), "the test never released the charge"
        return super().assess(attempt)


@pytest.fixture
def held_fraud() -> Iterator[HeldFraud]:
    fake = HeldFraud()
    with root.replaced(FRAUD, fake):
        yield fake
        fake.release.set()


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # the test inspects what was raised
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        (waiting,) = cursor.fetchone()
    return bool(waiting)


def test_a_refund_during_the_charge_waits_for_it_and_refunds_what_it_approved(
    held_fraud: HeldFraud,
) -> None:
    charging, charged = _in_thread(
        lambda: services.payment_charge(
            order_id=1,
            customer_id=42,
            amount=Decimal("25.00"),
            currency="EUR",
            card_token="tok_visa",
        )
    )
    assert held_fraud.asked.wait(timeout=30), "the charge never reached fraud"

    refunding, refunded = _in_thread(
        lambda: services.payment_refund(order_id=1, reason="The payment could not be processed.")
    )
    eventually(_waiting_for_a_lock, "the refund waiting for the charge's lock", deadline=10)
    assert refunding.is_alive(), f"the refund did not wait for the charge: {refunded}"
    held_fraud.release.set()
    for thread in (charging, refunding):
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread is stuck (deadlock?)"

    [charge], [refund] = charged, refunded
    assert charge.status == "approved", charge
    assert refund is not None and refund.status == "refunded", refund
    assert refund.payment_id == charge.payment_id
    assert Payment.objects.get().status == "refunded"
    assert Refund.objects.get().reason == "The payment could not be processed."

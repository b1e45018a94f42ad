"""``manage.py take_over_payments``: the first start copies the monolith's payments and refunds
with their ids and verifies them (GO); a later start copies nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.services import payment_charge
from strangler.migrate.handover import database_url
from strangler.service.ids import SERVICE_ID_FLOOR

# The monolith's rows: a refunded payment with its refund, a declined attempt and an approval.
ROWS = """
INSERT INTO payments_payment
    (id, order_id, customer_id, amount, currency, status, card_brand, card_last4,
     decline_reasons, processor_reference, created_at)
VALUES
    (1, 41, 1001, 25.00, 'EUR', 'refunded', 'visa', '4242', '[]', 'fake_ch_1',
     '2026-12-01 10:00:00+00:00'),
    (2, 42, 1001, 12.50, 'EUR', 'declined', 'visa', '0002', '["card_declined"]', 'fake_ch_2',
     '2026-12-01 10:05:00+00:00'),
    (3, 42, 1001, 12.50, 'EUR', 'approved', 'visa', '4242', '[]', 'fake_ch_3',
     '2026-12-01 10:06:00+00:00');
INSERT INTO payments_refund (id, amount, reason, processor_reference, created_at, payment_id)
VALUES (1, 25.00, 'The customer cancelled.', 'fake_re_1', '2026-12-01 11:00:00+00:00', 1);
"""


@pytest.fixture
def monolith() -> Iterator[str]:
    """A monolith's database beside the test database (the verify compares rows of one
    engine): its payments tables made by the monolith's migration, the service's 0001."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "the hand-over reads the test database through a connection of its own: "
            "PostgreSQL only (an in-memory SQLite test database is not reachable)"
        )
    ddl = StringIO()
    call_command("sqlmigrate", "payments", "0001", stdout=ddl)
    script = ddl.getvalue() + ROWS
    server = database_url(connection.settings_dict).rsplit("/", 1)[0]
    name = f"monolith_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as db:
            db.execute(script.encode())
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)  # the command writes through a connection of its own
def test_the_first_start_takes_the_payments_over_with_their_ids_then_a_later_one_copies_nothing(
    monolith: str,
) -> None:
    first, later = StringIO(), StringIO()

    call_command("take_over_payments", source_url=monolith, stdout=first)
    call_command("take_over_payments", source_url=monolith, stdout=later)

    assert first.getvalue().splitlines() == [
        "payments_payment: 3 rows in the monolith, 3 copied (0 already here), verify GO",
        "payments_refund: 1 rows in the monolith, 1 copied (0 already here), verify GO",
        "GO: the payments service owns its payments from now on",
    ]
    assert later.getvalue().startswith("the payments service owns its payments since ")
    refunded = Payment.objects.get(pk=1)
    assert (refunded.status, refunded.decline_reasons) == ("refunded", [])
    assert Payment.objects.get(pk=2).decline_reasons == ["card_declined"]
    assert Refund.objects.get().payment_id == 1
    # the service's own next payment is numbered far above the monolith's
    new = payment_charge(
        order_id=43, customer_id=1001, amount=Payment.objects.get(pk=3).amount,
        currency="EUR", card_token="tok_visa",
    )  # fmt: skip
    assert new.payment_id >= SERVICE_ID_FLOOR

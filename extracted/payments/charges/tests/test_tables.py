"""The payments tables are the monolith's: same names, columns and constraints (the hand-over
copies them); the ids this service issues start above any the monolith reaches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from extracted.payments.charges import services
from extracted.payments.charges.models import Payment, Refund
from strangler.service.ids import SERVICE_ID_FLOOR

pytestmark = pytest.mark.django_db

COLUMNS = {
    "payments_payment": {
        "id", "order_id", "customer_id", "amount", "currency", "status", "card_brand",
        "card_last4", "decline_reasons", "processor_reference", "created_at",
    },
    "payments_refund": {
        "id", "payment_id", "amount", "reason", "processor_reference", "created_at",
    },
}  # fmt: skip


def _charge(order_id: int = 1, token: str = "tok_visa") -> int:
    return services.payment_charge(
        order_id=order_id,
        customer_id=42,
        amount=Decimal("25.00"),
        currency="EUR",
        card_token=token,
    ).payment_id


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_the_tables_have_exactly_the_monoliths_columns(table: str) -> None:
    with connection.cursor() as cursor:
        found = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    assert found == COLUMNS[table]


def test_the_database_refuses_a_second_successful_payment_of_an_order() -> None:
    _charge()

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            order_id=1, customer_id=42, amount=Decimal("1.00"), status=Payment.Status.APPROVED
        )


def test_the_database_refuses_an_amount_that_is_not_positive() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            order_id=1, customer_id=42, amount=Decimal("0.00"), status=Payment.Status.DECLINED
        )


def test_the_services_own_ids_start_above_the_monoliths() -> None:
    payment_id = _charge()
    services.payment_refund(order_id=1, reason="test")

    assert payment_id >= SERVICE_ID_FLOOR
    assert Refund.objects.get().pk >= SERVICE_ID_FLOOR


def test_handed_over_rows_keep_their_ids() -> None:
    Payment.objects.create(
        id=7, order_id=9, customer_id=42, amount=Decimal("5.00"), status=Payment.Status.DECLINED
    )

    new = _charge(order_id=10)

    assert Payment.objects.get(order_id=9).pk == 7
    assert new >= SERVICE_ID_FLOOR

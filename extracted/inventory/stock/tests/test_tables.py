"""The stock tables are the monolith's: same names, columns and check constraints (the hand-over
copies them); the ids this service issues start above any the monolith reaches."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from extracted.inventory.stock.models import Reservation, StockItem
from extracted.inventory.stock.services import stock_reserve, stock_set
from strangler.service.ids import SERVICE_ID_FLOOR

pytestmark = pytest.mark.django_db

COLUMNS = {
    "inventory_stockitem": {"id", "sku", "on_hand", "reserved", "updated_at"},
    "inventory_reservation": {
        "id",
        "order_id",
        "sku",
        "quantity",
        "status",
        "expires_at",
        "created_at",
        "updated_at",
    },
}


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_the_tables_have_exactly_the_monoliths_columns(table: str) -> None:
    with connection.cursor() as cursor:
        found = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    assert found == COLUMNS[table]


@pytest.mark.parametrize(
    ("on_hand", "reserved"),
    [(-1, 0), (1, -1), (1, 2)],
    ids=["on_hand below 0", "reserved below 0", "reserved above on_hand"],
)
def test_the_database_refuses_impossible_stock(on_hand: int, reserved: int) -> None:
    stock_set(sku="MUG", on_hand=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(sku="MUG").update(on_hand=on_hand, reserved=reserved)


def test_the_database_refuses_a_reservation_line_below_1() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(
            order_id=1, sku="MUG", quantity=0, expires_at="2030-01-01T00:00:00Z"
        )


def test_the_services_own_ids_start_above_the_monoliths() -> None:
    item = stock_set(sku="MUG", on_hand=5)
    stock_reserve(order_id=1, lines=[("MUG", 1)])

    assert item.pk >= SERVICE_ID_FLOOR
    assert Reservation.objects.get().pk >= SERVICE_ID_FLOOR


def test_handed_over_rows_keep_their_ids() -> None:
    StockItem.objects.create(id=7, sku="OLD", on_hand=3)

    new = stock_set(sku="NEW", on_hand=3)

    assert StockItem.objects.get(sku="OLD").pk == 7
    assert new.pk >= SERVICE_ID_FLOOR

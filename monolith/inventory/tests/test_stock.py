from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from monolith.inventory.errors import InvalidStockLevel
from monolith.inventory.models import StockItem
from monolith.inventory.selectors import stock_get
from monolith.inventory.services import (
    demo_stock_level,
    stock_reserve,
    stock_seed_demo,
    stock_set,
)
from monolith.inventory.tests.helpers import snapshot, stock

pytestmark = pytest.mark.django_db


def test_set_stock_creates_then_updates_the_row() -> None:
    created = stock_set(sku="BEANS", on_hand=5)
    updated = stock_set(sku="BEANS", on_hand=8)

    assert created.pk == updated.pk
    assert StockItem.objects.count() == 1
    assert stock("BEANS") == (8, 0)


def test_set_stock_keeps_the_reserved_units(make_stock: Callable[..., StockItem]) -> None:
    make_stock("BEANS", 10)
    stock_reserve(order_id=1, lines=[("BEANS", 4)])

    item = stock_set(sku="BEANS", on_hand=6)

    assert (item.on_hand, item.reserved, item.available) == (6, 4, 2)
    assert stock("BEANS") == (6, 4)


def test_set_stock_below_the_reserved_units_is_rejected_and_changes_nothing(
    make_stock: Callable[..., StockItem],
) -> None:
    make_stock("BEANS", 10)
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    before = snapshot()

    with pytest.raises(InvalidStockLevel) as exc:
        stock_set(sku="BEANS", on_hand=3)

    assert exc.value.details == {"sku": "BEANS", "on_hand": 3, "reserved": 4}
    assert snapshot() == before


@pytest.mark.parametrize("on_hand", [-1, True, 2.0])
def test_set_stock_rejects_a_level_that_is_not_a_natural_number(on_hand: object) -> None:
    with pytest.raises(InvalidStockLevel):
        stock_set(sku="BEANS", on_hand=on_hand)  # type: ignore[arg-type]

    assert not StockItem.objects.exists()


@pytest.mark.parametrize(
    ("on_hand", "reserved"), [(-1, 0), (5, -1), (5, 6)], ids=["on_hand", "reserved", "over"]
)
def test_database_constraints_reject_impossible_stock(on_hand: int, reserved: int) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.create(sku="X", on_hand=on_hand, reserved=reserved)


def test_database_constraint_rejects_a_blind_overbooking_update() -> None:
    stock_set(sku="X", on_hand=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(sku="X").update(reserved=F("reserved") + 2)

    assert stock("X") == (1, 0)


def test_demo_stock_level_is_deterministic_and_between_5_and_120() -> None:
    levels = [demo_stock_level(f"SKU-{i}") for i in range(500)]

    assert all(5 <= level <= 120 for level in levels)
    assert len(set(levels)) > 50
    # The same in every process and on every machine (a seeded demo shows the same shelves):
    # the values a fresh process computed once, not a second call of the same function.
    skus = ("COF-KEN-NYERI-250", "TEA-DARJ-100", "A")
    assert [demo_stock_level(sku) for sku in skus] == [45, 87, 110]


def test_seed_demo_stock_creates_missing_rows_and_leaves_existing_ones() -> None:
    stock_set(sku="B", on_hand=2)

    created = stock_seed_demo(skus=["A", "B", "C", "A"])
    before = snapshot()
    again = stock_seed_demo(skus=["C", "B", "A"])

    assert (created, again) == (2, 0)
    assert snapshot() == before
    assert stock("A") == (demo_stock_level("A"), 0)
    assert stock("B") == (2, 0)


def test_stock_get_reports_availability() -> None:
    stock_set(sku="A", on_hand=7)
    stock_reserve(order_id=1, lines=[("A", 2)])

    assert stock_get(sku="A").available == 5

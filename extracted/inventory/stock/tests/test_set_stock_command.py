"""``manage.py set_stock``: a shelf's level from the command line, refused with the reason."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from extracted.inventory.stock.models import StockItem
from extracted.inventory.stock.services import stock_reserve, stock_set
from extracted.inventory.stock.tests.helpers import stock

pytestmark = pytest.mark.django_db


def test_it_creates_a_missing_shelf_then_sets_its_level_and_says_so() -> None:
    first, second = StringIO(), StringIO()

    call_command("set_stock", "BENCH-1", "7", stdout=first)
    call_command("set_stock", "BENCH-1", "10000000", stdout=second)

    assert stock("BENCH-1") == (10_000_000, 0)
    assert first.getvalue().strip() == "BENCH-1: 7 on hand, 0 reserved"
    assert second.getvalue().strip() == "BENCH-1: 10000000 on hand, 0 reserved"


def test_a_level_below_what_is_reserved_is_refused_and_changes_nothing() -> None:
    stock_set(sku="BENCH-2", on_hand=5)
    stock_reserve(order_id=1, lines=[("BENCH-2", 3)])

    with pytest.raises(CommandError, match="3 unit\\(s\\) of BENCH-2 are reserved"):
        call_command("set_stock", "BENCH-2", "2", stdout=StringIO())

    assert stock("BENCH-2") == (5, 3)


def test_a_negative_level_is_refused() -> None:
    with pytest.raises(CommandError, match="on_hand must be an integer of at least 0"):
        call_command("set_stock", "BENCH-3", "-1", stdout=StringIO())

    assert not StockItem.objects.filter(sku="BENCH-3").exists()

"""The demo's shelves, seeded by the service (its set-up from stage 4 on)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from extracted.inventory.stock.demo import DEMO_SKUS, demo_stock_level
from extracted.inventory.stock.services import stock_seed_demo, stock_set
from extracted.inventory.stock.tests.helpers import stock

pytestmark = pytest.mark.django_db


def test_demo_stock_level_is_deterministic_and_between_5_and_120() -> None:
    levels = [demo_stock_level(f"SKU-{i}") for i in range(500)]

    assert all(5 <= level <= 120 for level in levels)
    assert len(set(levels)) > 50
    # the levels the monolith's inventory gave the same SKUs (computed once, written down):
    # a demo shows the same shelves before and after the retirement
    skus = ("COF-KEN-NYERI-250", "TEA-DARJ-100", "A")
    assert [demo_stock_level(sku) for sku in skus] == [45, 87, 110]


def test_seeding_creates_the_missing_shelves_and_leaves_the_others_alone() -> None:
    stock_set(sku="B", on_hand=2)  # as a shelf the monolith handed over

    created = stock_seed_demo(skus=["A", "B", "C", "A"])
    again = stock_seed_demo(skus=["C", "B", "A"])

    assert (created, again) == (2, 0)
    assert stock("A") == (demo_stock_level("A"), 0)
    assert stock("B") == (2, 0)
    assert stock("C") == (demo_stock_level("C"), 0)


def test_the_command_seeds_every_demo_sku_once_and_says_what_it_did() -> None:
    first, second = StringIO(), StringIO()
    stock_set(sku=DEMO_SKUS[0], on_hand=3)

    call_command("seed_demo_stock", stdout=first)
    call_command("seed_demo_stock", stdout=second)

    units = 3 + sum(demo_stock_level(sku) for sku in DEMO_SKUS[1:])
    count = len(DEMO_SKUS)
    assert first.getvalue().strip() == (
        f"demo stock: {units} units on hand across {count} SKUs "
        f"({count - 1} shelves created, 1 already here)"
    )
    assert second.getvalue().strip() == (
        f"demo stock: {units} units on hand across {count} SKUs "
        f"(0 shelves created, {count} already here)"
    )

"""``manage.py set_stock SKU ON_HAND``: a shelf's level, set from the command line.

What the admin's stock page does, for an operator's script (a count after a stock-take, the
benchmarks' deep shelf): creates the SKU's row or sets its ``on_hand``, never below what is
reserved. Bad input is refused with the reason and a non-zero exit; nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extracted.inventory.stock.errors import InvalidStockLevel
from extracted.inventory.stock.services import stock_set


class Command(BaseCommand):
    help = "Set the units on hand of one SKU (created when missing; never below its reserved)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sku")
        parser.add_argument("on_hand", type=int)

    def handle(self, *args: Any, sku: str, on_hand: int, **options: Any) -> None:
        try:
            item = stock_set(sku=sku, on_hand=on_hand)
        except InvalidStockLevel as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{item.sku}: {item.on_hand} on hand, {item.reserved} reserved")

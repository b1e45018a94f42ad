"""``manage.py seed_demo_stock``: the demo's shelves, seeded by the service that owns them.

From stage 4 on the monolith no longer holds an inventory context, so the stage's set-up seeds
the demo stock here, after the take-over: a shelf the monolith handed over keeps its level, a
missing one gets its demo level (``stock/demo.py``). Idempotent: a second run creates nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from extracted.inventory.stock import selectors, services
from extracted.inventory.stock.demo import DEMO_SKUS


class Command(BaseCommand):
    help = "Seed the demo stock of every demo SKU this service lacks (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = services.stock_seed_demo(skus=DEMO_SKUS)
        shelves, units = selectors.stock_totals(skus=DEMO_SKUS)
        self.stdout.write(
            f"demo stock: {units} units on hand across {shelves} SKUs "
            f"({created} shelves created, {len(DEMO_SKUS) - created} already here)"
        )

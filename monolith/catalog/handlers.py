"""What the catalog does with the order events (the monolith's consumer, ``monolith.events``):
each ``order.created`` adds its lines' units to the SKUs' sales, the shop's best-sellers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from monolith.catalog import services
from strangler.events import Event
from strangler.events.consumer import Subscription


def _units(events: Sequence[Event]) -> Counter[str]:
    units: Counter[str] = Counter()
    for event in events:
        for line in event.data["lines"]:
            units[line["sku"]] += line["quantity"]
    return units


def order_created_many(events: Sequence[Event]) -> None:
    services.product_sales_add(units=_units(events))


def order_created(event: Event) -> None:
    order_created_many([event])


SUBSCRIPTIONS = (Subscription("order.created", apply=order_created, apply_many=order_created_many),)

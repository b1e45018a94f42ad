"""What orders does with other services' events (the monolith's consumer, ``monolith.events``):
inventory could not take a paid order's units (``stock.commit_failed``), so the order is
compensated: cancelled, refunded, the customer told why."""

from __future__ import annotations

from monolith.orders import services
from strangler.events import Event
from strangler.events.consumer import Subscription


def stock_commit_failed(event: Event) -> None:
    data = event.data
    services.order_compensate_stock_lost(
        order_id=data["order_id"],
        lines=[
            services.LostStock(
                sku=line["sku"], quantity=line["quantity"], available=line["available"]
            )
            for line in data["lines"]
        ],
        reason=data["reason"],
    )


SUBSCRIPTIONS = (Subscription("stock.commit_failed", apply=stock_commit_failed),)

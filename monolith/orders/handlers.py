"""What orders does with other services' events (the monolith's consumer, ``monolith.events``):
inventory could not take a paid order's units (``stock.commit_failed``), so the order is
compensated: cancelled, refunded, the customer told why; and (stage 4 on) payments approved a
charge of an order cancelled meanwhile (``payment.approved``), so the money goes back."""

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


def payment_approved(event: Event) -> None:
    services.order_reconcile_payment(order_id=event.data["order_id"])


SUBSCRIPTIONS = (Subscription("stock.commit_failed", apply=stock_commit_failed),)
# Where payments is a service (settings.RECONCILE_PAYMENTS, stage 4 on)
RECONCILING_PAYMENTS = (Subscription("payment.approved", apply=payment_approved),)

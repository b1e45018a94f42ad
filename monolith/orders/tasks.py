"""Celery entry points of the orders context (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from monolith.orders.services import order_expire_stale, order_refund
from strangler.errors import ServiceUnavailable


@shared_task(name="orders.expire_stale_orders")
def expire_stale_orders() -> int:
    """Cancel pending orders whose stock reservation expired (scheduled by Celery beat)."""
    return order_expire_stale()


# A compensated checkout whose refund payments did not answer: asked again while payments does
# not answer, the pauses doubling from 5 s to 10 minutes (about 3 hours in all); a refund is
# idempotent, so a repeat refunds once. A refusal (a 4xx) is not retried: it fails and is logged.
@shared_task(
    name="orders.refund_payment",
    autoretry_for=(ServiceUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=24,
)
def refund_payment(order_id: int, reason: str) -> None:
    """Ask payments again for the refund of an order the checkout gave up."""
    order_refund(order_id=order_id, reason=reason)

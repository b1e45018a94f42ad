"""Celery entry points of the orders context (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from monolith.orders.services import order_expire_stale, refund_settle, refunds_settle_owed
from strangler.errors import ServiceUnavailable


@shared_task(name="orders.expire_stale_orders")
def expire_stale_orders() -> int:
    """Cancel pending orders whose stock reservation expired (scheduled by Celery beat)."""
    return order_expire_stale()


# A compensated checkout whose refund payments did not answer: asked again while payments does
# not answer, the pauses doubling from 5 s to 10 minutes (about 3 hours in all); a refund is
# idempotent, so a repeat refunds once. A refusal (a 4xx) is not retried: it fails, is logged
# and recorded on the owed refund. A debt still owed after the retries stays recorded for the
# sweep below.
@shared_task(
    name="orders.refund_payment",
    autoretry_for=(ServiceUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=24,
)
def refund_payment(order_id: int, reason: str) -> bool:
    """Ask payments again for the refund of an order the checkout gave up."""
    return refund_settle(order_id=order_id, reason=reason)


@shared_task(name="orders.settle_owed_refunds")
def settle_owed_refunds() -> int:
    """Ask payments for every refund still owed (scheduled by Celery beat): one whose task was
    lost with its broker, or ran out of retries while payments was down."""
    return refunds_settle_owed()

"""Celery entry points of the orders context (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from monolith.orders.services import order_expire_stale


@shared_task(name="orders.expire_stale_orders")
def expire_stale_orders() -> int:
    """Cancel pending orders whose stock reservation expired (scheduled by Celery beat)."""
    return order_expire_stale()

"""Celery entry points of the inventory service (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from extracted.inventory.stock import services


@shared_task(name="inventory.release_stale_holds")
def release_stale_holds() -> dict[str, list[int]]:
    """Periodic (beat): give back expired holds and the unconfirmed ones older than
    ``INVENTORY_UNCONFIRMED_HOLD_SECONDS``; returns the order ids of each."""
    return {
        "expired": services.reservation_release_expired(),
        "unconfirmed": services.hold_release_unconfirmed(),
    }

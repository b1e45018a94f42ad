"""Celery entry points of the inventory (thin: they call a service)."""

from __future__ import annotations

from celery import shared_task

from monolith.inventory import services


@shared_task(name="inventory.release_expired_reservations")
def release_expired_reservations() -> list[int]:
    """Periodic: release expired reservations; returns the order ids that were released."""
    return services.reservation_release_expired()

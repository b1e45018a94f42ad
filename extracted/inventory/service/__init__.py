"""The inventory service project: settings, URLs, Celery app."""

from extracted.inventory.service.celery import app as celery_app

__all__ = ["celery_app"]

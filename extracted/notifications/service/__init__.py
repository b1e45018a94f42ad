"""The notifications service project: settings, URLs, Celery app."""

from extracted.notifications.service.celery import app as celery_app

__all__ = ["celery_app"]

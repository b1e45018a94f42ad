"""The identity service project: settings, URLs, Celery app."""

from extracted.identity.service.celery import app as celery_app

__all__ = ["celery_app"]

"""The fraud service project: settings, URLs, Celery app."""

from extracted.fraud.service.celery import app as celery_app

__all__ = ["celery_app"]

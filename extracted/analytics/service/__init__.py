"""The analytics service project: settings, URLs, Celery app."""

from extracted.analytics.service.celery import app as celery_app

__all__ = ["celery_app"]

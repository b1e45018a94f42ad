"""The payments service project: settings, URLs, Celery app."""

from extracted.payments.service.celery import app as celery_app

__all__ = ["celery_app"]

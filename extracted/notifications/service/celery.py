"""The notifications service's Celery app: its worker consumes the order events (its own queue)."""

from strangler.service.celery_app import celery_app

app = celery_app("notifications", "extracted.notifications.service.settings")

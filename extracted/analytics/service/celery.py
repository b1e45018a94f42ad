"""The analytics service's Celery app: its worker consumes the order events (its own queue)."""

from strangler.service.celery_app import celery_app

app = celery_app("analytics", "extracted.analytics.service.settings")

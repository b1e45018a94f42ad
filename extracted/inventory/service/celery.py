"""The inventory service's Celery app: its worker consumes the order events (its own queue)
and, with ``--beat``, runs the sweeper of stale holds."""

from strangler.service.celery_app import celery_app

app = celery_app("inventory", "extracted.inventory.service.settings")

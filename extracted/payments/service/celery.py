"""The payments service's Celery app. Payments consumes no events and has no task (its outbox
is published by ``manage.py outbox_relay``): the app is the skeleton's, so that a worker or a
task added later runs on the service's settings."""

from strangler.service.celery_app import celery_app

app = celery_app("payments", "extracted.payments.service.settings")

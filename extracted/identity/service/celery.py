"""The identity service's Celery app. Identity consumes no events and has no task yet: the app
is the skeleton's, so that a worker or a task added later runs on the service's settings."""

from strangler.service.celery_app import celery_app

app = celery_app("identity", "extracted.identity.service.settings")

"""A service's Celery app: its settings' ``CELERY_*`` values, traced, logging JSON, and, when
the service consumes events, the ``events.handle_event`` task that runs its consumer."""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

from strangler.telemetry.logs import bind_worker_logging
from strangler.telemetry.tracing import trace_celery_worker
from strangler.workers import follow_conn_max_age


def celery_app(name: str, settings_module: str) -> Celery:
    """The Celery app of service ``name``, always on ``settings_module`` (even when the
    environment names the monolith's settings: the services share one environment)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    app = Celery(name)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    follow_conn_max_age(app)
    trace_celery_worker(name, tasks=False)
    bind_worker_logging()
    app.autodiscover_tasks()
    if getattr(settings, "EVENTS_CONSUMER", ""):
        from strangler.events.tasks import register_event_task  # a consumer: stage 2 on

        register_event_task(app)
    return app

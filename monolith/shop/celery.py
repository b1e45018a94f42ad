"""The monolith's Celery app."""

import os

from celery import Celery

from strangler.telemetry.logs import bind_worker_logging
from strangler.telemetry.tracing import trace_celery_worker
from strangler.workers import follow_conn_max_age

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")

app = Celery("monolith")
app.config_from_object("django.conf:settings", namespace="CELERY")
follow_conn_max_age(app)
trace_celery_worker("monolith")
bind_worker_logging()
app.autodiscover_tasks()

"""The monolith's consumer of integration events: a Celery app of its own, on its queue alone.

A worker of its own runs it (``celery -A monolith.shop.consumer worker``), so the monolith's
task worker never takes an event, and a stage turns the consumer on by starting that worker
(after ``manage.py events_declare`` bound the queue). What it does with each event type is the
handler table ``EVENTS_SUBSCRIPTIONS`` (``monolith.shop.handlers``); the queue, its bindings,
retries and batches are the ``EVENTS_*`` settings.
"""

import os

from celery import Celery
from django.conf import settings

from strangler.events.tasks import register_event_task
from strangler.service.queues import consumer_queues, consumer_routes
from strangler.telemetry.logs import bind_worker_logging
from strangler.telemetry.tracing import trace_celery_worker
from strangler.workers import follow_conn_max_age

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")

# not the current app: a process that imports this module (the tests) keeps the monolith's
app = Celery("monolith-events", set_as_current=False)
app.config_from_object("django.conf:settings", namespace="CELERY")
_events = {name: getattr(settings, name) for name in ("EVENTS_QUEUE", "EVENTS_SUBSCRIBES")}
app.conf.update(
    task_queues=consumer_queues(_events),
    task_routes=consumer_routes(_events),
    # room for a full batch per pool process (strangler.events.batching)
    worker_prefetch_multiplier=settings.EVENTS_BATCH_SIZE,
)
follow_conn_max_age(app)
trace_celery_worker("monolith", tasks=False)
bind_worker_logging()
register_event_task(app)

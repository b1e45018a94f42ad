"""The notifications service's Celery app: its worker consumes the order events.

The event queue (bound to the topic exchange for the types in ``EVENTS_SUBSCRIBES``) comes
from settings; the one task, ``events.handle_event``, runs the service's consumer.
"""

import os

from celery import Celery

from strangler.events.tasks import register_event_task
from strangler.telemetry.logs import bind_worker_logging
from strangler.telemetry.tracing import trace_celery_worker
from strangler.workers import follow_conn_max_age

# Always this service's settings, even when the environment names the monolith's.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.service.settings"

app = Celery("notifications")
app.config_from_object("django.conf:settings", namespace="CELERY")
follow_conn_max_age(app)
trace_celery_worker("notifications", tasks=False)
bind_worker_logging()
app.autodiscover_tasks()
handle_event = register_event_task(app)

"""A second baseline of ``bench.events``: a plain Celery task with the same effect as the event
consumer (the notification row and its e-mail, in one transaction), but no outbox, no
envelope, no schema check and no ProcessedMessage: what the pattern adds is the difference.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from strangler.workers import follow_conn_max_age

os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.service.settings"
QUEUE = os.environ.get("BENCH_PLAIN_QUEUE", "bench.plain")

app = Celery("bench-plain")
app.config_from_object("django.conf:settings", namespace="CELERY")
follow_conn_max_age(app)
app.conf.update(task_queues=[Queue(QUEUE, durable=True)], task_default_queue=QUEUE)


@app.task(name="bench.plain_effect", acks_late=True, ignore_result=True)
def plain_effect(order_id: int) -> None:
    from django.core.mail import EmailMultiAlternatives
    from django.db import transaction
    from django.utils import timezone

    from extracted.notifications.mail.models import Notification

    with transaction.atomic():
        EmailMultiAlternatives(
            subject=f"Your order #{order_id} is confirmed",
            body="Thanks",
            from_email="shop@example.com",
            to=["bench@example.com"],
        ).send()
        Notification._default_manager.create(
            customer_id=1,
            order_id=order_id,
            kind="order_paid",
            recipient="bench@example.com",
            subject=f"Your order #{order_id} is confirmed",
            body="Thanks",
            status="sent",
            attempts=1,
            sent_at=timezone.now(),
        )

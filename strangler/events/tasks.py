"""The Celery task every consuming service registers: ``events.handle_event``."""

from __future__ import annotations

from celery import Celery, Task

from strangler.events.broker import TASK_NAME


def register_event_task(app: Celery) -> Task:
    """Register the event task on ``app``; it runs the consumer named by ``EVENTS_CONSUMER``.

    acks_late with reject_on_worker_lost: a worker killed mid-task leaves the message
    unacknowledged, and the broker delivers it again (the consumer is idempotent).
    """

    @app.task(
        name=TASK_NAME,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        ignore_result=True,
    )
    def handle_event(self: Task, envelope: object) -> str:
        from strangler.events.wiring import configured_consumer

        retries = self.request.retries or 0
        return configured_consumer().deliver(envelope, retries=retries, app=self.app).status

    return handle_event

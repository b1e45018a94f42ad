"""The Celery task every consuming service registers: ``events.handle_event``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Celery, Task

from strangler.events.batching import EventBatches
from strangler.events.broker import TASK_NAME


def register_event_task(app: Celery) -> Task:
    """Register the event task on ``app``; it runs the consumer named by ``EVENTS_CONSUMER``.

    The worker runs it on batches (``strangler.events.batching``) of up to
    ``settings.EVENTS_BATCH_SIZE`` events, or what arrived within
    ``settings.EVENTS_BATCH_INTERVAL`` seconds; the worker's prefetch must let that many
    messages in (``worker_prefetch_multiplier``).

    acks_late with reject_on_worker_lost: a worker killed mid-batch leaves its messages
    unacknowledged, and the broker delivers them again (the consumer is idempotent).
    """

    @app.task(
        name=TASK_NAME,
        base=EventBatches,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        ignore_result=True,
    )
    def handle_event(self: Task, deliveries: Sequence[Any]) -> list[str]:
        from strangler.events.wiring import configured_consumer

        outcomes = configured_consumer().deliver_many(deliveries, app=self.app)
        return [outcome.status for outcome in outcomes]

    return handle_event

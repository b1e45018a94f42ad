"""Batches of event tasks in a consumer's worker, still one Celery task per event in Flower.

A consumer mostly waits for its commit, so committing each event on its own caps a worker at a
few hundred events a second. ``EventBatches`` is a Celery task base whose worker strategy
buffers the messages it receives and hands them to the pool as one list, flushed every
``EVENTS_BATCH_SIZE`` messages or ``EVENTS_BATCH_INTERVAL`` seconds (Django settings), so the
consumer commits the whole list at once (``EventConsumer.deliver_many``). The idea is
``celery_batches``' (which does not support Celery 5.7); this one also:

- sends the per-task events Flower lists: task-received, and task-succeeded with the event's
  own outcome (applied, duplicate, retrying, dead-lettered, ignored), or task-rejected when
  its batch failed and it went back to the queue. Not
  task-started: a batch starts and ends within milliseconds, and each event sent costs the
  worker a publish;
- keeps ``acks_late`` honest: a message is acknowledged only once its batch returned its
  outcome. A pool process lost mid-batch (SIGKILL), or a batch that raised, puts every message
  of the batch back on the queue; the idempotent consumer makes the redelivery harmless;
- holds a retry published with a countdown (an ETA) on the worker's timer until it is due,
  as Celery's own strategy does, without letting it block the prefetch window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from celery import Task, signals
from celery._state import _task_stack  # type: ignore[attr-defined]
from celery.utils.imports import symbol_by_name
from celery.utils.time import timezone
from celery.worker.request import (  # type: ignore[attr-defined]  # not in the stubs
    Request,
    create_request_cls,
)
from django.conf import settings
from kombu.asynchronous.timer import to_timestamp
from kombu.utils.uuid import uuid

from strangler.events.envelope import Delivery

logger = logging.getLogger(__name__)

Handler = Callable[..., None]

# A batch that failed as a whole goes back to the queue after this pause, so that a failure
# which repeats (the broker or database gone) does not spin the worker.
REQUEUE_DELAY = 1.0


@dataclass(frozen=True)
class Batch:
    """What crosses into the pool process: the deliveries, in the order received."""

    deliveries: Sequence[Delivery]


def run_batch(task: EventBatches, batch: Batch) -> list[str]:
    """(In the pool process) run the task on a batch, between the usual task signals.

    The signals let what hooks them (closing stale database connections, tracing) treat the
    batch like any task.
    """
    task_id = uuid()
    _task_stack.push(task)
    task.push_request(id=task_id)
    try:
        signals.task_prerun.send(sender=task, task_id=task_id, task=task, args=(), kwargs={})
        outcomes: list[str] = task.run(batch.deliveries)
        return outcomes
    finally:
        signals.task_postrun.send(sender=task, task_id=task_id, task=task, args=(), kwargs={})
        task.pop_request()
        _task_stack.pop()


class EventBatches(Task):  # type: ignore[misc]
    """Base of the event task: ``run`` takes a list of Delivery, returns a status per one."""

    abstract = True
    typing = False  # run takes the batch, not the message's arguments

    # Celery resolves Task.Strategy (a dotted name) with symbol_by_name, which returns a
    # callable as it is: a method here, as in celery_batches.
    def Strategy(  # type: ignore[override]
        self, task: Task, app: Any, consumer: Any
    ) -> Handler:
        size = int(getattr(settings, "EVENTS_BATCH_SIZE", 100))
        interval = float(getattr(settings, "EVENTS_BATCH_INTERVAL", 0.05))
        Req = create_request_cls(
            symbol_by_name(task.Request),
            task,
            consumer.pool,
            consumer.hostname,
            consumer.event_dispatcher,
            app=app,
        )
        pool, timer, qos = consumer.pool, consumer.timer, consumer.qos
        buffer: list[Request] = []
        flush_timer: list[Any] = []  # the pending flush, when one is armed
        # Without an event loop (the embedded broker) the timer fires on a thread of its own.
        lock = threading.Lock()

        def flush() -> None:
            with lock:
                for entry in flush_timer:
                    entry.cancel()
                flush_timer.clear()
                batch = list(buffer)
                buffer.clear()
            if batch:
                self._dispatch(pool, timer, batch)

        def add(request: Request) -> None:
            with lock:
                buffer.append(request)
                full = len(buffer) >= size
                if not full and not flush_timer:
                    flush_timer.append(timer.call_after(interval, flush))
            if full:
                flush()

        def due(request: Request) -> None:
            qos.decrement_eventually()
            add(request)

        def on_message(message: Any, body: Any, ack: Any, reject: Any, callbacks: Any) -> None:
            request = Req(
                message,
                on_ack=ack,
                on_reject=reject,
                app=app,
                hostname=consumer.hostname,
                eventer=consumer.event_dispatcher,
                task=task,
                connection_errors=consumer.connection_errors,
                body=message.body,
                headers=message.headers,
                decoded=False,
                utc=app.uses_utc_timezone(),
            )
            signals.task_received.send(sender=consumer, request=request)
            request.send_event(
                "task-received",
                name=request.name,
                args=request.argsrepr,
                kwargs=request.kwargsrepr,
                retries=request.request_dict.get("retries", 0),
                eta=request.eta and request.eta.isoformat(),
            )
            eta = _eta(request, app)
            if eta is not None and eta > time.time():
                qos.increment_eventually()  # the held message must not shrink the window
                timer.call_at(eta, due, (request,), priority=6)
            else:
                add(request)

        return on_message

    def _dispatch(self, pool: Any, timer: Any, requests: list[Request]) -> None:
        started = time.monotonic()
        batch = Batch([_delivery(request) for request in requests])

        def on_return(outcomes: Any) -> None:
            if not isinstance(outcomes, list) or len(outcomes) != len(requests):
                on_error(outcomes)
                return
            runtime = time.monotonic() - started
            for request, outcome in zip(requests, outcomes, strict=True):
                request.acknowledge()
                request.send_event("task-succeeded", result=repr(outcome), runtime=runtime)

        def on_error(error: Any) -> None:  # the batch raised, or its pool process died
            exc = getattr(error, "exception", error)
            logger.error(
                "a batch of %d events failed (%r); back on the queue in %.0fs",
                len(requests),
                exc,
                REQUEUE_DELAY,
            )
            timer.call_after(REQUEUE_DELAY, requeue)

        def requeue() -> None:
            for request in requests:
                request.reject(requeue=True)

        pool.apply_async(
            run_batch,
            (self, batch),
            callback=on_return,
            error_callback=on_error,
        )


def _delivery(request: Request) -> Delivery:
    args = request.args or ()
    return Delivery(
        envelope=args[0] if args else None,
        retries=int(request.request_dict.get("retries") or 0),
        traceparent=str(request.request_dict.get("traceparent") or ""),
    )


def _eta(request: Request, app: Any) -> float | None:
    if not request.eta:
        return None
    if request.utc:
        return float(to_timestamp(timezone.to_system(request.eta)))
    return float(to_timestamp(request.eta, app.timezone))

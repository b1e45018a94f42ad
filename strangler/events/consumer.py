"""Consuming events: an idempotent handler table run by a Celery worker.

Each delivery of an event runs, in this order:

1. validation against the consumer's own copy of the schemas: an invalid event goes to the
   dead-letter queue at once, no handler runs (it would fail the same way every time);
2. ``apply``: the handler's database effect and a ``ProcessedMessage(consumer, event_id)``
   row commit in one transaction. A redelivered event finds the row and changes nothing (on
   PostgreSQL a concurrent duplicate waits on the unique key, then finds it);
3. ``after_commit`` (optional): the effect outside the database (an e-mail), run on every
   delivery, duplicates included, so a crash between the commit and the e-mail is repaired
   by the redelivery. It must be idempotent by the event id (its idempotency key).

A failure in 2 or 3 is retried with exponential backoff by republishing the task to this
consumer's own queue (never to the topic exchange, which would hand it to every other
consumer again); after ``max_retries`` the event goes to the dead-letter queue. The task is
``acks_late``: a worker killed mid-task leaves the message unacknowledged and the broker
delivers it again.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from celery import Celery, Task
from django.db import transaction
from django.utils import timezone
from kombu import Connection, Queue

from strangler.events.broker import (
    TASK_NAME,
    consumer_queue,
    direct_queue,
    exchange_name,
    publish_task,
    topic_exchange,
)
from strangler.events.envelope import Event
from strangler.events.errors import InvalidEvent
from strangler.events.models import DeadLetter, ProcessedMessage
from strangler.events.schemas import SchemaRegistry

logger = logging.getLogger(__name__)

Apply = Callable[[Event], None]


@dataclass(frozen=True)
class Subscription:
    event_type: str
    apply: Apply
    after_commit: Apply | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    backoff_max: float = 300.0
    jitter: bool = True

    def countdown(self, retries: int) -> float:
        delay = min(self.backoff_max, self.backoff * (2**retries))
        return random.uniform(delay / 2, delay) if self.jitter else delay


def _claim(*, consumer: str, event: Event) -> bool:
    """Insert the ProcessedMessage row; False when it exists (one round trip, no savepoint).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: on PostgreSQL a concurrent duplicate waits
    on the unique key until the first transaction ends, then finds the row (or, if that one
    rolled back, inserts it).
    """
    connection = transaction.get_connection()
    meta = ProcessedMessage._meta
    event_id = meta.get_field("event_id").get_db_prep_value(
        uuid.UUID(event.id), connection, prepared=False
    )
    processed_at = meta.get_field("processed_at").get_db_prep_value(
        timezone.now(), connection, prepared=False
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} (consumer, event_id, event_type, processed_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING id",
            [consumer, event_id, event.type, processed_at],
        )
        return cursor.fetchone() is not None


def consume_once(*, consumer: str, event: Event, apply: Apply) -> bool:
    """Run ``apply`` and record the event in one transaction; False if already processed."""
    with transaction.atomic():
        if not _claim(consumer=consumer, event=event):
            logger.info("%s: %s %s already processed", consumer, event.type, event.id)
            return False
        apply(event)
    return True


@dataclass
class Outcome:
    status: str  # "applied" | "duplicate" | "retrying" | "dead-lettered" | "ignored"
    detail: str = ""


@dataclass
class EventConsumer:
    """A service's subscriptions, its queue and dead-letter queue, and its Celery task."""

    name: str
    registry: SchemaRegistry
    subscriptions: Sequence[Subscription]
    queue_name: str = ""
    dlq_name: str = ""
    exchange: str = field(default_factory=exchange_name)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        self.queue_name = self.queue_name or f"{self.name}.events"
        self.dlq_name = self.dlq_name or f"{self.name}.dlq"
        self._by_type = {s.event_type: s for s in self.subscriptions}

    @property
    def event_types(self) -> list[str]:
        return sorted(self._by_type)

    def queue(self) -> Queue:
        return consumer_queue(self.queue_name, self.event_types, topic_exchange(self.exchange))

    def dead_letter_queue(self) -> Queue:
        return direct_queue(self.dlq_name)

    def declare(self, connection: Connection) -> None:
        """Declare the exchange, the queue with its bindings and the DLQ (idempotent).

        Run before the producer starts publishing (a stage's set-up does), so no event
        published while the worker is not up yet is dropped for want of a queue.
        """
        channel = connection.default_channel
        self.queue()(channel).declare()
        self.dead_letter_queue()(channel).declare()

    def install(self, app: Celery) -> Task:
        """Register the event task on ``app`` and make its queue the one the worker consumes."""
        app.conf.task_queues = [self.queue(), *(app.conf.task_queues or [])]
        app.conf.task_routes = {
            **(app.conf.task_routes or {}),
            TASK_NAME: {"queue": self.queue_name},
        }
        consumer = self

        @app.task(
            name=TASK_NAME,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
        )
        def handle_event(self: Task, envelope: Any) -> str:
            return consumer.deliver(
                envelope, retries=self.request.retries or 0, app=self.app
            ).status

        return handle_event

    # --- one delivery ---------------------------------------------------------------------

    def deliver(self, envelope: Any, *, retries: int, app: Celery) -> Outcome:
        try:
            event = self.registry.validate(Event.from_dict(envelope))
        except InvalidEvent as exc:
            return self._dead_letter(app, envelope, f"InvalidEvent: {exc.message}", retries)
        subscription = self._by_type.get(event.type)
        if subscription is None:
            logger.warning("%s: no handler for %s %s; ignored", self.name, event.type, event.id)
            return Outcome("ignored", event.type)
        try:
            applied = consume_once(consumer=self.name, event=event, apply=subscription.apply)
            if subscription.after_commit is not None:
                subscription.after_commit(event)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if retries >= self.retry.max_retries:
                logger.exception("%s: %s %s failed for good", self.name, event.type, event.id)
                return self._dead_letter(app, envelope, error, retries)
            countdown = self.retry.countdown(retries)
            logger.warning(
                "%s: %s %s failed (%s); retry %d/%d in %.2fs",
                self.name,
                event.type,
                event.id,
                error,
                retries + 1,
                self.retry.max_retries,
                countdown,
            )
            self._republish(app, envelope, retries=retries + 1, countdown=countdown)
            return Outcome("retrying", error)
        return Outcome("applied" if applied else "duplicate")

    def _republish(self, app: Celery, envelope: Any, *, retries: int, countdown: float) -> None:
        queue = self.queue()
        with app.producer_or_acquire() as producer:
            publish_task(
                producer,
                envelope,
                exchange="",
                routing_key=queue.name,
                retries=retries,
                countdown=countdown,
            )

    def _dead_letter(self, app: Celery, envelope: Any, error: str, retries: int) -> Outcome:
        """Park the event in the DLQ (broker) and in the DeadLetter table (admin)."""
        raw = envelope if isinstance(envelope, Mapping) else {"raw": repr(envelope)[:10000]}
        record = {
            "consumer": self.name,
            "error": error,
            "retries": retries,
            "dead_lettered_at": datetime.now(UTC).isoformat(),
            "envelope": raw,
        }
        dlq = self.dead_letter_queue()
        with app.producer_or_acquire() as producer:
            producer.publish(
                record,
                exchange="",
                routing_key=dlq.name,
                serializer="json",
                delivery_mode=2,
                declare=[dlq],
                retry=False,
            )
        try:
            DeadLetter.objects.create(
                consumer=self.name,
                event_id=str(raw.get("id") or "")[:64],
                event_type=str(raw.get("type") or "")[:100],
                envelope=raw,
                error=error,
                retries=retries,
            )
        except Exception:  # the broker copy is the record; the row is for the admin
            logger.exception("%s: could not record the dead letter in the database", self.name)
        logger.error("%s: dead-lettered %s: %s", self.name, raw.get("id"), error)
        return Outcome("dead-lettered", error)

    def replay(self, app: Celery, dead_letters: Iterable[DeadLetter]) -> int:
        """Put dead letters back on this consumer's queue (after a fix); returns how many."""
        count = 0
        queue = self.queue()
        with app.producer_or_acquire() as producer:
            for letter in dead_letters:
                publish_task(producer, letter.envelope, exchange="", routing_key=queue.name)
                DeadLetter.objects.filter(pk=letter.pk).update(replayed_at=datetime.now(UTC))
                count += 1
        return count

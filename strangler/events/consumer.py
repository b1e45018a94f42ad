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

A worker takes its events in batches (``deliver_many``, run by ``strangler.events.batching``):
the effects and ProcessedMessage rows of a whole batch share one transaction, which is what a
consumer mostly waits for, and a subscription with ``apply_many`` handles its events of the
batch in one call (a few statements, not a few per event); a batch that fails is delivered
again one event at a time.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from django.db import transaction
from django.utils import timezone
from kombu import Connection, Queue
from opentelemetry import trace
from opentelemetry.trace import Span

from strangler.events.broker import (
    confirmed_producer,
    consumer_queue,
    direct_queue,
    exchange_name,
    publish_task,
    topic_exchange,
)
from strangler.events.envelope import Delivery, Event
from strangler.events.errors import InvalidEvent
from strangler.events.models import DeadLetter, ProcessedMessage
from strangler.events.schemas import SchemaRegistry
from strangler.events.spans import finish, processing

logger = logging.getLogger(__name__)

Apply = Callable[[Event], None]
ApplyMany = Callable[[Sequence[Event]], None]


@dataclass(frozen=True)
class Subscription:
    """What a consumer does with one event type.

    ``apply`` is the database effect of one event. ``apply_many``, when given, is the same
    effect for several events of the type at once (a run of a batch, in delivery order): a
    handler that can read and write a batch in a few statements makes the consumer's cost per
    event a fraction of a round trip instead of a few. It must equal ``apply`` on each event
    in turn; a failing batch is delivered again one event at a time through ``apply``.
    """

    event_type: str
    apply: Apply
    after_commit: Apply | None = None
    apply_many: ApplyMany | None = None

    def apply_run(self, events: Sequence[Event]) -> None:
        if self.apply_many is not None:
            self.apply_many(events)
        else:
            for event in events:
                self.apply(event)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    backoff_max: float = 300.0
    jitter: bool = True

    def countdown(self, retries: int) -> float:
        delay = min(self.backoff_max, self.backoff * (2**retries))
        return random.uniform(delay / 2, delay) if self.jitter else delay


def _claim(*, consumer: str, events: Sequence[Event]) -> set[uuid.UUID]:
    """Insert the events' ProcessedMessage rows; the ids that were not there yet.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for all of them, no savepoint. On
    PostgreSQL a concurrent duplicate waits on the unique key until the first transaction
    ends, then finds the row (or, if that one rolled back, inserts it).
    """
    if not events:
        return set()
    connection = transaction.get_connection()
    meta = ProcessedMessage._meta
    id_field, at_field = meta.get_field("event_id"), meta.get_field("processed_at")
    now = at_field.get_db_prep_value(timezone.now(), connection, prepared=False)
    rows, params = [], []
    for event in events:
        event_id = id_field.get_db_prep_value(uuid.UUID(event.id), connection, prepared=False)
        rows.append("(%s, %s, %s, %s)")
        params += [consumer, event_id, event.type, now]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} (consumer, event_id, event_type, processed_at) "
            f"VALUES {', '.join(rows)} ON CONFLICT (consumer, event_id) DO NOTHING "
            "RETURNING event_id",
            params,
        )
        return {_as_uuid(value) for (value,) in cursor.fetchall()}


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def consume_once(*, consumer: str, event: Event, apply: Apply) -> bool:
    """Run ``apply`` and record the event in one transaction; False if already processed."""
    with transaction.atomic():
        if not _claim(consumer=consumer, events=[event]):
            logger.info("%s: %s %s already processed", consumer, event.type, event.id)
            return False
        apply(event)
    return True


def consume_batch(*, consumer: str, batch: Sequence[tuple[Event, Subscription]]) -> list[bool]:
    """Apply every new event and record every event, all in one transaction; per event,
    whether it was applied (False: processed before, or earlier in this batch).

    The new events are applied in delivery order, each run of consecutive events of one
    subscription in one ``apply_run`` call. All or nothing: if one raises, the whole batch
    rolls back and the error propagates.
    """
    with transaction.atomic():
        fresh = _claim(consumer=consumer, events=[event for event, _ in batch])
        applied = []
        runs: list[tuple[Subscription, list[Event]]] = []
        for event, subscription in batch:
            event_id = uuid.UUID(event.id)
            if event_id not in fresh:
                applied.append(False)
                continue
            fresh.discard(event_id)  # a second copy in the batch is a duplicate
            applied.append(True)
            if runs and runs[-1][0] is subscription:
                runs[-1][1].append(event)
            else:
                runs.append((subscription, [event]))
        for subscription, events in runs:
            subscription.apply_run(events)
    return applied


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

    # --- one delivery ---------------------------------------------------------------------

    def deliver(
        self, envelope: Any, *, retries: int, app: Celery, traceparent: str = ""
    ) -> Outcome:
        """Deliver one event, in a span of its own (a child of ``traceparent``, the message's,
        or else of the envelope's)."""
        span = processing(self.name, envelope, traceparent, self.queue_name)
        with trace.use_span(span, end_on_exit=False):
            outcome = self._deliver_one(envelope, retries=retries, app=app)
            self._log_outcome(envelope, outcome)
        finish(span, outcome.status, outcome.detail)
        return outcome

    def _deliver_one(self, envelope: Any, *, retries: int, app: Celery) -> Outcome:
        ready = self._accept(envelope, retries=retries, app=app)
        if isinstance(ready, Outcome):
            return ready
        event, subscription = ready
        try:
            applied = consume_once(consumer=self.name, event=event, apply=subscription.apply)
        except Exception as exc:
            return self._failed(app, envelope, event, exc, retries)
        return self._after_commit(app, envelope, event, subscription, retries, applied)

    def deliver_many(self, deliveries: Sequence[Delivery], *, app: Celery) -> list[Outcome]:
        """Deliver a batch: every effect and every ProcessedMessage row in one transaction.

        The common case costs one commit and one claim statement for the whole batch. If any
        effect fails (or the commit does), the batch rolls back and each event is delivered
        on its own (``deliver``), so only the failing one is retried or dead-lettered. The
        others' side effects outside the database (their e-mails) were then attempted twice,
        under the same idempotency key, the event id.

        Each event gets its own span in its own trace; the batch's statements are recorded
        under the first event's span.
        """
        spans = [
            processing(self.name, delivery.envelope, delivery.traceparent, self.queue_name)
            for delivery in deliveries
        ]
        if not spans:
            return []
        with trace.use_span(spans[0], end_on_exit=False):
            outcomes = self._deliver_batch(deliveries, spans, app=app)
        for span, delivery, outcome in zip(spans, deliveries, outcomes, strict=True):
            with trace.use_span(span, end_on_exit=False):  # the line carries the event's trace
                self._log_outcome(delivery.envelope, outcome)
            finish(span, outcome.status, outcome.detail)
        return outcomes

    def _log_outcome(self, envelope: Any, outcome: Outcome) -> None:
        fields = envelope if isinstance(envelope, Mapping) else {}
        logger.info(
            "%s: %s %s %s",
            self.name,
            fields.get("type", "?"),
            fields.get("id", "?"),
            outcome.status,
        )

    def _deliver_batch(
        self, deliveries: Sequence[Delivery], spans: Sequence[Span], *, app: Celery
    ) -> list[Outcome]:
        outcomes: list[Outcome] = [Outcome("pending")] * len(deliveries)
        ready: list[tuple[int, Event, Subscription]] = []
        for index, delivery in enumerate(deliveries):
            accepted = self._accept(delivery.envelope, retries=delivery.retries, app=app)
            if isinstance(accepted, Outcome):
                outcomes[index] = accepted
            else:
                ready.append((index, *accepted))
        try:
            applied = consume_batch(
                consumer=self.name, batch=[(event, sub) for _, event, sub in ready]
            )
        except Exception as exc:
            logger.warning(
                "%s: a batch of %d rolled back (%s: %s); delivering them one by one",
                self.name,
                len(ready),
                type(exc).__name__,
                exc,
            )
            for index, _, _ in ready:
                delivery = deliveries[index]
                with trace.use_span(spans[index], end_on_exit=False):
                    outcomes[index] = self._deliver_one(
                        delivery.envelope, retries=delivery.retries, app=app
                    )
            return outcomes
        for (index, event, subscription), was_applied in zip(ready, applied, strict=True):
            outcomes[index] = self._after_commit(
                app, deliveries[index].envelope, event, subscription,
                deliveries[index].retries, was_applied,
            )  # fmt: skip
        return outcomes

    def _accept(
        self, envelope: Any, *, retries: int, app: Celery
    ) -> tuple[Event, Subscription] | Outcome:
        """The event and its subscription, or the outcome when no handler is to run."""
        try:
            event = self.registry.validate(Event.from_dict(envelope))
        except InvalidEvent as exc:
            return self._dead_letter(app, envelope, f"InvalidEvent: {exc.message}", retries)
        subscription = self._by_type.get(event.type)
        if subscription is None:
            logger.warning("%s: no handler for %s %s; ignored", self.name, event.type, event.id)
            return Outcome("ignored", event.type)
        return event, subscription

    def _after_commit(
        self,
        app: Celery,
        envelope: Any,
        event: Event,
        subscription: Subscription,
        retries: int,
        applied: bool,
    ) -> Outcome:
        if subscription.after_commit is not None:
            try:
                subscription.after_commit(event)
            except Exception as exc:
                return self._failed(app, envelope, event, exc, retries)
        return Outcome("applied" if applied else "duplicate")

    def _failed(
        self, app: Celery, envelope: Any, event: Event, exc: Exception, retries: int
    ) -> Outcome:
        """Retry ``event`` later with backoff, or dead-letter it after the last try."""
        error = f"{type(exc).__name__}: {exc}"
        if retries >= self.retry.max_retries:
            logger.error("%s: %s %s failed for good", self.name, event.type, event.id, exc_info=exc)
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

    def _republish(self, app: Celery, envelope: Any, *, retries: int, countdown: float) -> None:
        queue = self.queue()
        with confirmed_producer(app) as producer:
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
        with confirmed_producer(app) as producer:
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
        with confirmed_producer(app) as producer:
            for letter in dead_letters:
                publish_task(producer, letter.envelope, exchange="", routing_key=queue.name)
                DeadLetter.objects.filter(pk=letter.pk).update(replayed_at=datetime.now(UTC))
                count += 1
        return count

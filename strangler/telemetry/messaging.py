"""The messaging figures, computed when ``/metrics`` is scraped, never on the request path.

:class:`OutboxCollector` belongs to a producer (the monolith owns its outboxes): per outbox
table, the unsent rows and the age of the oldest one. :class:`ConsumerCollector` belongs to a
consumer (a service that installs ``strangler.events`` and consumes a queue): messages ready in
its queue and its dead-letter queue (a passive ``queue_declare`` on the broker, which creates
nothing), its dead letters not replayed yet and the events it has processed.

A scrape never raises: a database or broker that cannot answer shows as
``events_metrics_source_up{source=...} 0`` and the figures it would have given are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DatabaseError
from django.db.models import Count, Min, Model
from django.utils import timezone
from kombu import Connection
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from strangler.events.models import DeadLetter, ProcessedMessage

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2.0  # seconds: a scrape must stay well inside Prometheus' scrape timeout


def _source_up() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "events_metrics_source_up",
        "1 when the messaging figures could be read from this source (database, broker), "
        "0 when it did not answer (its figures are then missing from this scrape).",
        labels=["source"],
    )


class OutboxCollector:
    """Backlog of the outbox tables ``labels`` (``app_label.ModelName``, as in settings)."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)

    def describe(self) -> Iterable[Metric]:
        return ()  # computed on scrape only; describing would query the database at startup

    def collect(self) -> Iterator[Metric]:
        unsent = GaugeMetricFamily(
            "events_outbox_unsent",
            "Outbox rows the relay has not published yet, per outbox table.",
            labels=["outbox"],
        )
        oldest = GaugeMetricFamily(
            "events_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox row, per outbox table (0 when none).",
            labels=["outbox"],
        )
        up = _source_up()
        ok = True
        now = timezone.now()
        for label in self.labels:
            try:
                model: type[Model] = apps.get_model(label)
                row = model._default_manager.filter(sent_at__isnull=True).aggregate(
                    n=Count("id"), first=Min("created_at")
                )
            except (DatabaseError, LookupError) as exc:
                logger.warning("outbox metrics: %s unreadable: %r", label, exc)
                ok = False
                continue
            unsent.add_metric([label], row["n"])
            age = (now - row["first"]).total_seconds() if row["first"] is not None else 0.0
            oldest.add_metric([label], max(age, 0.0))
        up.add_metric(["database"], 1 if ok else 0)
        yield unsent
        yield oldest
        yield up


@dataclass(frozen=True)
class BrokerSettings:
    url: str
    transport_options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = BROKER_TIMEOUT


class ConsumerCollector:
    """One consumer's queues on the broker and its tables (``DeadLetter``, ``ProcessedMessage``)."""

    def __init__(
        self,
        consumer: str,
        *,
        queues: Mapping[str, str],
        broker: BrokerSettings,
    ) -> None:
        self.consumer = consumer
        self.queues = dict(queues)  # role ("events", "dead_letters") -> queue name
        self.broker = broker

    def describe(self) -> Iterable[Metric]:
        return ()

    def collect(self) -> Iterator[Metric]:
        up = _source_up()
        ready, broker_ok = self._queue_depths()
        up.add_metric(["broker"], 1 if broker_ok else 0)
        yield ready
        dead, processed, db_ok = self._tables()
        up.add_metric(["database"], 1 if db_ok else 0)
        yield dead
        yield processed
        yield up

    def _queue_depths(self) -> tuple[GaugeMetricFamily, bool]:
        ready = GaugeMetricFamily(
            "events_queue_messages_ready",
            "Messages waiting in a consumer's queue (role events) or dead-letter queue "
            "(role dead_letters), from a passive queue_declare on the broker.",
            labels=["consumer", "queue", "role"],
        )
        options = dict(self.broker.transport_options)
        if self.broker.url.startswith(("amqp", "pyamqp")):
            # a broker that accepts the connection but stalls must not hold the scrape either
            options.setdefault("read_timeout", self.broker.timeout)
            options.setdefault("write_timeout", self.broker.timeout)
        try:
            with Connection(
                self.broker.url, transport_options=options, connect_timeout=self.broker.timeout
            ) as connection:
                # one try, no pause before giving up: a scrape does not wait for retries
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
                for role, queue in self.queues.items():
                    count = self._ready(connection, queue)
                    if count is not None:
                        ready.add_metric([self.consumer, queue, role], count)
        except Exception as exc:  # a scrape must never fail: the broker shows as down
            logger.warning("consumer metrics: broker unreachable: %r", exc)
            return ready, False
        return ready, True

    @staticmethod
    def _ready(connection: Connection, queue: str) -> int | None:
        """The ready count, or None when the queue does not exist (not declared yet)."""
        channel = connection.channel()
        try:
            declared = channel.queue_declare(queue=queue, passive=True)  # type: ignore[attr-defined]
        except connection.channel_errors:
            return None  # a passive declare of a missing queue closes only this channel
        finally:
            try:
                channel.close()  # type: ignore[attr-defined]
            except Exception:
                logger.debug("closing a metrics channel failed", exc_info=True)
        return int(declared.message_count)

    def _tables(self) -> tuple[GaugeMetricFamily, CounterMetricFamily, bool]:
        dead = GaugeMetricFamily(
            "events_dead_letters",
            "Dead letters a consumer gave up on and staff have not replayed yet.",
            labels=["consumer"],
        )
        processed = CounterMetricFamily(
            "events_processed",
            "Events a consumer has applied (its ProcessedMessage rows), per event type.",
            labels=["consumer", "event_type"],
        )
        try:
            waiting = DeadLetter.objects.filter(
                consumer=self.consumer, replayed_at__isnull=True
            ).count()
            per_type = (
                ProcessedMessage.objects.filter(consumer=self.consumer)
                .values_list("event_type")
                .annotate(n=Count("id"))
                .order_by("event_type")
            )
            rows = list(per_type)
        except DatabaseError as exc:
            logger.warning("consumer metrics: database unreadable: %r", exc)
            return dead, processed, False
        dead.add_metric([self.consumer], waiting)
        for event_type, count in rows:
            processed.add_metric([self.consumer, event_type], count)
        return dead, processed, True

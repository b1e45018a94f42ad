"""The messaging collectors read the tables and the broker on scrape, and never raise."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from kombu import Connection, Exchange, Queue
from prometheus_client.core import Metric

from strangler.events.models import DeadLetter, ProcessedMessage
from strangler.telemetry.messaging import BrokerSettings, ConsumerCollector, OutboxCollector

OUTBOX = "orders_outbox.OutboxMessage"  # a label, as in settings: the library imports no app
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(metrics: Iterable[Metric]) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in metrics for s in m.samples}


def broker() -> BrokerSettings:
    return BrokerSettings(
        url=settings.CELERY_BROKER_URL,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    )


def outbox_row(*, sent: bool, age: timedelta) -> None:
    model = apps.get_model(OUTBOX)
    model._default_manager.create(
        event_id=uuid.uuid4(),
        event_type="order.paid",
        aggregate_type="order",
        aggregate_id="1",
        payload={},
        created_at=timezone.now() - age,
        sent_at=timezone.now() if sent else None,
    )


@pytest.mark.django_db
def test_outbox_backlog_counts_unsent_rows_and_the_age_of_the_oldest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)  # the rows' clock and the scrape's
    outbox_row(sent=False, age=timedelta(minutes=5))
    outbox_row(sent=False, age=timedelta(seconds=1))
    outbox_row(sent=True, age=timedelta(hours=1))

    unsent = ("events_outbox_unsent", (("outbox", OUTBOX),))
    oldest = ("events_outbox_oldest_unsent_age_seconds", (("outbox", OUTBOX),))

    got = samples(OutboxCollector([OUTBOX]).collect())

    assert (got[unsent], got[oldest]) == (2, 300.0)
    assert got[("events_metrics_source_up", (("source", "database"),))] == 1
    # once the relay sent them all: no backlog, and no age
    apps.get_model(OUTBOX)._default_manager.update(sent_at=frozen)
    drained = samples(OutboxCollector([OUTBOX]).collect())
    assert (drained[unsent], drained[oldest]) == (0, 0)


@pytest.mark.django_db
def test_an_unreadable_outbox_shows_as_database_down_not_as_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker thread opens its own connection from these settings, and the server refuses it
    # (PostgreSQL: no such database; SQLite: no such folder). The test's own stays open.
    settings_dict = connections.settings["default"]
    absent = (
        str(tmp_path / "no-such-folder" / "db.sqlite3")
        if connection.vendor == "sqlite"
        else f"{settings_dict['NAME']}_that_does_not_exist"
    )
    monkeypatch.setitem(settings_dict, "NAME", absent)

    with ThreadPoolExecutor(max_workers=1) as worker:
        got = worker.submit(lambda: samples(OutboxCollector([OUTBOX]).collect())).result()

    assert got == {("events_metrics_source_up", (("source", "database"),)): 0}


@pytest.fixture
def queues() -> Iterator[dict[str, str]]:
    """An events queue with 3 messages and a dead-letter queue with 1, of this test's own."""
    name = f"test-metrics-{uuid.uuid4().hex[:8]}"
    roles = {"events": f"{name}.events", "dead_letters": f"{name}.dlq"}
    config = broker()
    with Connection(config.url, transport_options=dict(config.transport_options)) as connection:
        producer = connection.Producer()
        for queue, count in ((roles["events"], 3), (roles["dead_letters"], 1)):
            declared = Queue(queue, Exchange(""), routing_key=queue, durable=True)
            declared(connection.default_channel).declare()
            for n in range(count):
                producer.publish({"n": n}, exchange="", routing_key=queue)
        yield roles
        for queue in roles.values():
            connection.default_channel.queue_delete(queue)  # type: ignore[attr-defined]


def ready(got: Samples, queue: str, role: str) -> float | None:
    key = (
        "events_queue_messages_ready",
        (("consumer", "notifications"), ("queue", queue), ("role", role)),
    )
    return got.get(key)


@pytest.mark.django_db
def test_consumer_figures_queue_depths_dead_letters_and_processed_events(
    queues: dict[str, str],
) -> None:
    for n in range(2):
        DeadLetter.objects.create(consumer="notifications", envelope={}, error=f"bad {n}")
    DeadLetter.objects.create(
        consumer="notifications", envelope={}, error="fixed", replayed_at=timezone.now()
    )
    DeadLetter.objects.create(consumer="someone-else", envelope={}, error="not ours")
    for event_type in ("order.paid", "order.paid", "order.cancelled"):
        ProcessedMessage.objects.create(
            consumer="notifications", event_id=uuid.uuid4(), event_type=event_type
        )
    collector = ConsumerCollector("notifications", queues=queues, broker=broker())

    got = samples(collector.collect())

    assert ready(got, queues["events"], "events") == 3
    assert ready(got, queues["dead_letters"], "dead_letters") == 1
    assert got[("events_dead_letters", (("consumer", "notifications"),))] == 2
    paid = ("events_processed_total", (("consumer", "notifications"), ("event_type", "order.paid")))
    assert got[paid] == 2
    cancelled = (
        "events_processed_total",
        (("consumer", "notifications"), ("event_type", "order.cancelled")),
    )
    assert got[cancelled] == 1
    assert got[("events_metrics_source_up", (("source", "broker"),))] == 1
    assert got[("events_metrics_source_up", (("source", "database"),))] == 1


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("amqp"),
    reason="kombu's filesystem transport has every queue (a missing one reads as empty)",
)
@pytest.mark.django_db
def test_a_queue_not_declared_yet_has_no_depth_and_the_broker_stays_up() -> None:
    missing = {"events": f"test-metrics-missing-{uuid.uuid4().hex[:8]}"}
    got = samples(ConsumerCollector("notifications", queues=missing, broker=broker()).collect())
    assert ready(got, missing["events"], "events") is None
    assert got[("events_metrics_source_up", (("source", "broker"),))] == 1


@pytest.mark.django_db
def test_broker_down_is_a_zero_not_an_exception_and_the_tables_still_count() -> None:
    DeadLetter.objects.create(consumer="notifications", envelope={}, error="bad")
    down = BrokerSettings(url="amqp://guest:guest@127.0.0.1:1//", timeout=0.5)
    collector = ConsumerCollector("notifications", queues={"events": "whatever"}, broker=down)

    got = samples(collector.collect())

    assert got[("events_metrics_source_up", (("source", "broker"),))] == 0
    assert not any(name == "events_queue_messages_ready" for name, _ in got)
    assert got[("events_dead_letters", (("consumer", "notifications"),))] == 1
    assert got[("events_metrics_source_up", (("source", "database"),))] == 1

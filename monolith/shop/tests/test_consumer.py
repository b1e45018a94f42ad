"""The monolith's consumer of integration events: its handler table, queue and schema copies
from the settings, a Celery app that takes its queue alone, and ``manage.py events_declare``."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from kombu import Connection

from monolith.shop import celery as shop_celery
from monolith.shop import consumer as shop_consumer
from monolith.shop import handlers as shop_handlers
from strangler.config import REPO_ROOT
from strangler.contracts.compat.events import incompatible_copies
from strangler.events.broker import TASK_NAME, topic_exchange
from strangler.events.schemas import PUBLISHED, SchemaRegistry
from strangler.events.wiring import configured_consumer
from strangler.service.consumer import build_consumer

RECONCILING = settings.RECONCILE_PAYMENTS
# Sorted. From stage 4 (payments a service, the tree's default adapter) its approvals too.
SUBSCRIBED = sorted(
    [
        "order.created",
        "stock.commit_failed",
        *(["payment.approved"] if settings.RECONCILE_PAYMENTS else []),
    ]
)


def test_the_consumer_is_built_from_the_monolith_s_settings() -> None:
    consumer = build_consumer()
    assert (consumer.name, consumer.queue_name, consumer.dlq_name) == (
        "monolith",
        "monolith.events",
        "monolith.dlq",
    )
    assert sorted(consumer.event_types) == SUBSCRIBED


@pytest.mark.parametrize("reconciling", [True, False], ids=["payments-a-service", "in-process"])
def test_the_handler_table_handles_exactly_the_types_the_queue_is_bound_to(
    reconciling: bool, settings: Any
) -> None:
    """Whichever way payments is reached: the consumer refuses to start on a table that
    handles a type its queue is not bound to (payment.approved at stage 3 would stop it)."""
    settings.RECONCILE_PAYMENTS = reconciling
    settings.EVENTS_SUBSCRIBES = (
        "order.created",
        "stock.commit_failed",
        *(("payment.approved",) if reconciling else ()),
    )
    try:
        importlib.reload(shop_handlers)
        consumer = build_consumer()
    finally:
        settings.RECONCILE_PAYMENTS = RECONCILING
        importlib.reload(shop_handlers)
    assert ("payment.approved" in consumer.event_types) is reconciling


def test_the_schema_copies_are_the_subscribed_types_and_accept_what_producers_publish() -> None:
    copies = REPO_ROOT / "monolith" / "schemas"
    assert [t for t, _ in SchemaRegistry(copies).known()] == SUBSCRIBED
    assert incompatible_copies(copies, PUBLISHED) == []


def test_the_consumer_s_celery_app_takes_its_event_queue_alone() -> None:
    conf = shop_consumer.app.conf
    assert [queue.name for queue in conf.task_queues] == ["monolith.events"]
    assert sorted(b.routing_key for b in conf.task_queues[0].bindings) == SUBSCRIBED
    assert conf.task_routes == {TASK_NAME: {"queue": "monolith.events"}}
    assert TASK_NAME in shop_consumer.app.tasks
    # the monolith's task worker never takes an event: it consumes its default queue alone
    assert not shop_celery.app.conf.task_queues
    assert shop_celery.app.amqp.queues.keys() == {"monolith"}


@pytest.fixture
def own_queue(settings: Any) -> Iterator[str]:
    """The consumer on an in-memory broker and queue names of this test alone."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.EVENTS_QUEUE = f"{name}.events"
    settings.EVENTS_DLQ = f"{name}.dlq"
    configured_consumer.cache_clear()
    yield name
    configured_consumer.cache_clear()


def test_events_declare_binds_the_queue_to_the_subscribed_types(own_queue: str) -> None:
    out = StringIO()
    call_command("events_declare", stdout=out)
    assert f"{own_queue}.events bound to" in out.getvalue()

    with Connection("memory://") as connection:
        producer = connection.Producer()
        for event_type in ("stock.commit_failed", "order.paid", "order.created"):
            producer.publish(
                {"type": event_type}, exchange=topic_exchange(), routing_key=event_type
            )
        queue = connection.SimpleQueue(f"{own_queue}.events")
        received = []
        while queue.qsize():
            message = queue.get(timeout=1)
            received.append(message.payload["type"])
            message.ack()
        queue.close()
    assert received == ["stock.commit_failed", "order.created"]

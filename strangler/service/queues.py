"""A service's Celery settings: its broker, its task queue and, when it consumes events, the
event queue bound to the topic exchange, with retries, dead letters and batching.

Queue names follow the service's name and can each be overridden from the environment
(``<NAME>_EVENTS_QUEUE``, ``<NAME>_EVENTS_DLQ``, ``<NAME>_TASK_QUEUE``), so two runs can share
one broker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kombu import Queue

from strangler.config import broker, env
from strangler.events.broker import TASK_NAME, consumer_queue, direct_queue, topic_exchange


def celery_settings(
    name: str, *, subscriptions: str, subscribes: Sequence[str], schemas: Path
) -> dict[str, Any]:
    """The ``CELERY_*`` settings of service ``name``, and its ``EVENTS_*`` ones when it
    consumes events. acks_late with reject_on_worker_lost everywhere: a worker killed mid-task
    leaves its message to be delivered again (the consumer is idempotent)."""
    broker_url, broker_options = broker(name)
    task_queue = env.str(f"{name.upper()}_TASK_QUEUE", default=f"{name}.tasks")
    common = {
        "CELERY_BROKER_URL": broker_url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": broker_options,
        "CELERY_TASK_DEFAULT_QUEUE": task_queue,
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_WORKER_SEND_TASK_EVENTS": True,  # Flower lists every task
        "CELERY_TASK_IGNORE_RESULT": True,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        "CELERY_TASK_ALWAYS_EAGER": False,
    }
    if not subscriptions:
        return {**common, "CELERY_TASK_QUEUES": [direct_queue(task_queue)]}
    return {**common, **_consumer_settings(name, subscriptions, subscribes, schemas, task_queue)}


def _consumer_settings(
    name: str, subscriptions: str, subscribes: Sequence[str], schemas: Path, task_queue: str
) -> dict[str, Any]:
    """The event queue and its bindings, retries and dead letters (``strangler.events``).

    Retries and dead letters are published with confirms (strangler.events.broker
    confirmed_producer); the worker's other messages, its task events, need none. The worker
    takes events in batches (strangler.events.batching): up to ``EVENTS_BATCH_SIZE``, or what
    arrived within the interval; the prefetch leaves room for a full batch per pool process.
    """
    events = events_settings(
        name, subscriptions=subscriptions, subscribes=subscribes, schemas=schemas
    )
    return {
        **events,
        "CELERY_TASK_QUEUES": [*consumer_queues(events), direct_queue(task_queue)],
        "CELERY_TASK_ROUTES": consumer_routes(events),
        "CELERY_WORKER_PREFETCH_MULTIPLIER": env.int(
            "CELERY_WORKER_PREFETCH_MULTIPLIER", default=events["EVENTS_BATCH_SIZE"]
        ),
    }


def events_settings(
    name: str, *, subscriptions: str, subscribes: Sequence[str], schemas: Path
) -> dict[str, Any]:
    """The ``EVENTS_*`` settings of consumer ``name``: its handler table, the types its queue
    is bound to, its schema copies, queue, dead-letter queue, retries and batches.

    Apart from a service's, they are what a process whose Celery app consumes events on a
    worker of its own (the monolith's ``monolith.shop.consumer``) needs: that app takes its
    queue and routes from :func:`consumer_queues` and :func:`consumer_routes`.
    """
    prefix = name.upper()
    return {
        "EVENTS_CONSUMER": "strangler.service.consumer.build_consumer",
        "EVENTS_CONSUMER_NAME": name,
        "EVENTS_SUBSCRIPTIONS": subscriptions,
        "EVENTS_SUBSCRIBES": tuple(subscribes),
        "EVENTS_SCHEMAS": schemas,  # the consumer's own copies of the producers' schemas
        "EVENTS_QUEUE": env.str(f"{prefix}_EVENTS_QUEUE", default=f"{name}.events"),
        "EVENTS_DLQ": env.str(f"{prefix}_EVENTS_DLQ", default=f"{name}.dlq"),
        "EVENTS_MAX_RETRIES": env.int("EVENTS_MAX_RETRIES", default=5),
        "EVENTS_RETRY_BACKOFF": env.float("EVENTS_RETRY_BACKOFF", default=1.0),
        "EVENTS_RETRY_BACKOFF_MAX": env.float("EVENTS_RETRY_BACKOFF_MAX", default=300.0),
        "EVENTS_BATCH_SIZE": env.int("EVENTS_BATCH_SIZE", default=100),
        "EVENTS_BATCH_INTERVAL": env.float("EVENTS_BATCH_INTERVAL", default=0.05),  # seconds
    }


def consumer_queues(events: Mapping[str, Any]) -> list[Queue]:
    """The event queue of these ``EVENTS_*`` settings, bound to the topic exchange."""
    return [consumer_queue(events["EVENTS_QUEUE"], events["EVENTS_SUBSCRIBES"], topic_exchange())]


def consumer_routes(events: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The event task routed to the consumer's own queue (its retries go back there)."""
    return {TASK_NAME: {"queue": events["EVENTS_QUEUE"]}}

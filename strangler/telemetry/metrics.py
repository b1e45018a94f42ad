"""Prometheus metrics of a Django service: django-prometheus plus the messaging figures.

A service's settings call :func:`instrument_database` on its ``DATABASES`` entries and wrap
its ``MIDDLEWARE`` with :func:`instrument_middleware`; its ``urls.py`` includes
``django_prometheus.urls`` (``/metrics``); installing ``strangler.telemetry`` registers the
messaging collectors the service owns (see :func:`messaging_collectors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry

if TYPE_CHECKING:  # settings import this module: no models (nor apps) at import time
    from strangler.telemetry.messaging import ConsumerCollector, OutboxCollector

APPS = ["django_prometheus", "strangler.telemetry"]
BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"
AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"
_DJANGO_BACKENDS = "django.db.backends."
# django-prometheus wraps these backends: a query costs a counter increment, nothing more.
_WRAPPED = ("postgresql", "sqlite3", "mysql", "postgis", "spatialite")


def instrument_database(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` on django-prometheus' wrapper of its backend (queries, errors, connections)."""
    engine = config.get("ENGINE", "")
    backend = engine.removeprefix(_DJANGO_BACKENDS)
    if engine.startswith(_DJANGO_BACKENDS) and backend in _WRAPPED:
        return {**config, "ENGINE": f"django_prometheus.db.backends.{backend}"}
    return config


def instrument_middleware(middleware: Sequence[str]) -> list[str]:
    """Request counts and latencies: the Before middleware first, the After one last."""
    return [BEFORE, *middleware, AFTER]


def messaging_collectors() -> list[OutboxCollector | ConsumerCollector]:
    """What this service owns, read from its settings: outboxes (``EVENTS_OUTBOX_MODELS``)
    and a consumer (``EVENTS_CONSUMER_NAME`` with ``EVENTS_QUEUE`` / ``EVENTS_DLQ``)."""
    outboxes = getattr(settings, "EVENTS_OUTBOX_MODELS", ())
    consumer = getattr(settings, "EVENTS_CONSUMER_NAME", "")
    if not outboxes and not consumer:
        return []  # no messaging yet (stages 0 and 1): the events library is not in the tree
    from strangler.telemetry.messaging import BrokerSettings, ConsumerCollector, OutboxCollector

    collectors: list[OutboxCollector | ConsumerCollector] = []
    if outboxes:
        collectors.append(OutboxCollector(outboxes))
    if consumer:
        queues = {
            role: name
            for role, name in (
                ("events", getattr(settings, "EVENTS_QUEUE", "")),
                ("dead_letters", getattr(settings, "EVENTS_DLQ", "")),
            )
            if name
        }
        broker = BrokerSettings(
            url=settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        )
        collectors.append(ConsumerCollector(consumer, queues=queues, broker=broker))
    return collectors


def register_messaging(registry: CollectorRegistry = REGISTRY) -> None:
    for collector in messaging_collectors():
        registry.register(collector)  # type: ignore[arg-type]

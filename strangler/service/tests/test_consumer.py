"""The consumer is built from the service's settings and refuses a table that disagrees with
the queue's bindings."""

from __future__ import annotations

from typing import Any

import pytest

from strangler.config import REPO_ROOT
from strangler.events.consumer import Subscription
from strangler.service.consumer import build_consumer


def _ignore(event: Any) -> None:
    return None


SUBSCRIPTIONS = (Subscription("order.paid", apply=_ignore),)


@pytest.fixture
def consuming(settings: Any) -> Any:
    settings.EVENTS_SUBSCRIPTIONS = f"{__name__}.SUBSCRIPTIONS"
    settings.EVENTS_SUBSCRIBES = ("order.paid",)
    settings.EVENTS_CONSUMER_NAME = "parcels"
    settings.EVENTS_SCHEMAS = REPO_ROOT / "strangler" / "events" / "schemas"
    settings.EVENTS_QUEUE = "parcels.events"
    settings.EVENTS_DLQ = "parcels.dlq"
    settings.EVENTS_MAX_RETRIES = 3
    settings.EVENTS_RETRY_BACKOFF = 0.5
    settings.EVENTS_RETRY_BACKOFF_MAX = 10.0
    return settings


def test_the_consumer_takes_its_table_queues_and_retries_from_the_settings(
    consuming: Any,
) -> None:
    consumer = build_consumer()

    assert (consumer.name, consumer.queue_name, consumer.dlq_name) == (
        "parcels",
        "parcels.events",
        "parcels.dlq",
    )
    assert consumer.event_types == ["order.paid"]
    assert (consumer.retry.max_retries, consumer.retry.backoff) == (3, 0.5)


def test_a_table_that_handles_other_types_than_the_queue_binds_is_refused(
    consuming: Any,
) -> None:
    consuming.EVENTS_SUBSCRIBES = ("order.paid", "order.cancelled")

    with pytest.raises(ValueError, match="EVENTS_SUBSCRIBES"):
        build_consumer()

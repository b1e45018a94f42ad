"""The relay's publisher on the real broker: batches confirmed, in order, bookkeeping bounded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from kombu import Connection

from strangler.events.broker import EventPublisher, consumer_queue, topic_exchange
from strangler.events.tests.factories import order_paid

BROKER = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = pytest.mark.skipif(
    not BROKER.startswith("amqp"), reason="publisher confirms need RabbitMQ (CELERY_BROKER_URL)"
)


@pytest.fixture
def exchange() -> Iterator[str]:
    """A topic exchange of the test's own, and a queue bound to it (named ``<exchange>.q``)."""
    name = f"test-publisher-{uuid.uuid4().hex[:8]}"
    with Connection(BROKER) as connection:
        channel = connection.default_channel
        consumer_queue(f"{name}.q", ["order.paid"], topic_exchange(name))(channel).declare()
        yield name
        channel.queue_delete(f"{name}.q")  # type: ignore[attr-defined]
        channel.exchange_delete(name)  # type: ignore[attr-defined]


def test_batches_are_confirmed_in_order_and_only_the_current_batch_is_tracked(
    exchange: str,
) -> None:
    publisher = EventPublisher(BROKER, exchange=exchange)
    sent = []
    try:
        for _ in range(3):
            batch = [order_paid(order_id=n).to_dict() for n in range(1, 41)]
            result = publisher.publish_many(batch)
            assert (result.confirmed, result.error) == (40, "")
            # a confirm covering "every tag up to n" must not grow with the connection's age
            assert len(publisher._acked) <= len(batch)
            sent += [envelope["id"] for envelope in batch]
    finally:
        publisher.close()

    received = []
    with Connection(BROKER) as connection:
        queue = consumer_queue(f"{exchange}.q", [], topic_exchange(exchange))(
            connection.default_channel
        )
        while (message := queue.get()) is not None:
            received.append(message.headers["id"])
            message.ack()
    assert received == sent

"""The broker side of events: the topic exchange, consumer queues, and task messages.

Every event travels as a Celery task message (protocol 2) named ``events.handle_event`` whose
one argument is the envelope, published to the topic exchange with the event type as routing
key. Each consuming service binds its own durable queue to the types it wants, so every
consumer gets every event it subscribed to, and its Celery worker (visible in Flower) runs
it. The task name is the same for every consumer because one message fans out to all of them.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from kombu import Connection, Exchange, Producer, Queue, binding

from strangler.config import env

logger = logging.getLogger(__name__)

TASK_NAME = "events.handle_event"
DEFAULT_EXCHANGE = "events"

# Builds protocol-2 task messages only; never connects anywhere.
_message_factory = Celery("strangler-events", set_as_current=False)


def exchange_name() -> str:
    """The topic exchange (``EVENTS_EXCHANGE``; tests use one of their own per run)."""
    return env.str("EVENTS_EXCHANGE", default=DEFAULT_EXCHANGE)


def topic_exchange(name: str | None = None) -> Exchange:
    return Exchange(name or exchange_name(), type="topic", durable=True)


def consumer_queue(name: str, event_types: Iterable[str], exchange: Exchange) -> Queue:
    """A consumer's durable queue, bound to ``exchange`` once per event type it handles."""
    bindings = [binding(exchange, routing_key=event_type) for event_type in sorted(event_types)]
    return Queue(name, bindings=bindings, durable=True)


def direct_queue(name: str) -> Queue:
    """A queue reached through the default exchange by its name (retries, dead letters)."""
    return Queue(name, exchange=Exchange(""), routing_key=name, durable=True)


def confirming(transport_options: Mapping[str, Any], url: str) -> dict[str, Any]:
    """Transport options with publisher confirms on AMQP (each publish waits for the ack)."""
    options = dict(transport_options)
    if url.startswith(("amqp", "pyamqp")):
        options["confirm_publish"] = True
    return options


def task_message(
    envelope: Mapping[str, Any], *, retries: int = 0, countdown: float | None = None
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(headers, properties, body) of the Celery task carrying ``envelope``.

    The task id is the event id, so Flower and the logs name the event.
    """
    event_id = str(envelope.get("id") or "")
    message = _message_factory.amqp.as_task_v2(
        event_id,
        TASK_NAME,
        args=(dict(envelope),),
        kwargs={},
        retries=retries,
        countdown=countdown,
        argsrepr=f"({envelope.get('type')!s} {event_id})",
        origin=f"{envelope.get('source', '?')}@{socket.gethostname()}",
    )
    return message.headers, message.properties, message.body


def publish_task(
    producer: Producer,
    envelope: Mapping[str, Any],
    *,
    exchange: Exchange | str,
    routing_key: str,
    retries: int = 0,
    countdown: float | None = None,
    declare: Iterable[Any] = (),
) -> None:
    headers, properties, body = task_message(envelope, retries=retries, countdown=countdown)
    traceparent = envelope.get("traceparent") or ""
    if traceparent:
        headers = {**headers, "traceparent": traceparent}
    producer.publish(
        body,
        exchange=exchange,
        routing_key=routing_key,
        serializer="json",
        headers=headers,
        delivery_mode=2,
        declare=list(declare),
        retry=False,
        **properties,
    )


@dataclass
class EventPublisher:
    """Publishes envelopes to the topic exchange over one connection, with publisher confirms.

    On AMQP every ``publish`` returns only once the broker confirmed the message; any error
    (broker down, connection reset, nack) raises, and the next call reconnects.
    """

    url: str
    transport_options: Mapping[str, Any] = field(default_factory=dict)
    exchange: str = field(default_factory=exchange_name)
    connect_timeout: float = 5.0
    _connection: Connection | None = field(default=None, init=False, repr=False)
    _producer: Producer | None = field(default=None, init=False, repr=False)

    def _ready_producer(self) -> Producer:
        if self._producer is None:
            connection = Connection(
                self.url,
                transport_options=confirming(self.transport_options, self.url),
                connect_timeout=self.connect_timeout,
            )
            try:
                connection.ensure_connection(max_retries=1)
                producer = Producer(connection.channel(), exchange=topic_exchange(self.exchange))
                producer.declare()
            except BaseException:
                connection.release()
                raise
            self._connection, self._producer = connection, producer
        return self._producer

    def publish(self, envelope: Mapping[str, Any]) -> None:
        producer = self._ready_producer()
        try:
            publish_task(
                producer,
                envelope,
                exchange=producer.exchange or topic_exchange(self.exchange),
                routing_key=str(envelope["type"]),
            )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # a dead connection may fail to close; it is gone either way
                logger.debug("closing the broker connection failed", exc_info=True)
        self._connection = self._producer = None

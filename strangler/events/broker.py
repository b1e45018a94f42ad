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
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from kombu import Connection, Exchange, Producer, Queue, binding
from opentelemetry.trace import Span, Status, StatusCode

from strangler.config import env
from strangler.events.spans import sending, traceparent_of

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


@contextmanager
def confirmed_producer(app: Celery) -> Iterator[Producer]:
    """A producer on ``app``'s broker whose every publish waits for the broker's confirm.

    For what a consumer must not lose: its retries and dead letters. Not the app's own
    producers: the worker's task events (for Flower) would each wait for a round trip.
    """
    url = str(app.conf.broker_url)
    options = confirming(app.conf.broker_transport_options or {}, url)
    with Connection(url, transport_options=options) as connection:
        yield connection.Producer()


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
    traceparent: str = "",
) -> None:
    """Publish ``envelope`` as the event task; the message's ``traceparent`` header is the
    sender's span when given, else the envelope's."""
    headers, properties, body = task_message(envelope, retries=retries, countdown=countdown)
    traceparent = traceparent or envelope.get("traceparent") or ""
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
class Published:
    """How many envelopes of a batch, from the first, the broker confirmed; and the error."""

    confirmed: int
    error: str = ""


@dataclass
class EventPublisher:
    """Publishes envelopes to the topic exchange over one connection, with publisher confirms.

    On AMQP the channel is in confirm mode: a batch is published back to back, then the
    broker's acks are awaited together (one fsync wait per batch, not per message). Only the
    confirmed *prefix* of the batch counts as published, so an aggregate's events are never
    marked sent out of order. Any error (broker down, connection reset, nack, no confirm
    within ``confirm_timeout``) ends the batch; the next call reconnects.
    """

    url: str
    transport_options: Mapping[str, Any] = field(default_factory=dict)
    exchange: str = field(default_factory=exchange_name)
    connect_timeout: float = 5.0
    confirm_timeout: float = 15.0
    _connection: Connection | None = field(default=None, init=False, repr=False)
    _producer: Producer | None = field(default=None, init=False, repr=False)
    _acked: set[int] = field(default_factory=set, init=False, repr=False)
    _nacked: set[int] = field(default_factory=set, init=False, repr=False)
    _next_tag: int = field(default=1, init=False, repr=False)
    _batch_first_tag: int = field(default=1, init=False, repr=False)

    @property
    def confirms(self) -> bool:
        return self.url.startswith(("amqp", "pyamqp"))

    def _ready_producer(self) -> Producer:
        if self._producer is None:
            options = {k: v for k, v in self.transport_options.items() if k != "confirm_publish"}
            connection = Connection(
                self.url, transport_options=options, connect_timeout=self.connect_timeout
            )
            try:
                connection.ensure_connection(max_retries=1)
                channel = connection.channel()
                if self.confirms:
                    channel.confirm_select()  # type: ignore[attr-defined]
                    channel.events["basic_ack"].add(self._on_ack)  # type: ignore[attr-defined]
                    channel.events["basic_nack"].add(self._on_nack)  # type: ignore[attr-defined]
                producer = Producer(channel, exchange=topic_exchange(self.exchange))
                producer.declare()
            except BaseException:
                connection.release()
                raise
            self._connection, self._producer = connection, producer
            self._acked, self._nacked, self._next_tag = set(), set(), 1
        return self._producer

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._acked.update(self._confirmed_tags(delivery_tag, multiple))

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked.update(self._confirmed_tags(delivery_tag, multiple))

    def _confirmed_tags(self, delivery_tag: int, multiple: bool) -> range:
        """The tags one confirm settles. A ``multiple`` one settles every tag up to it, but
        the tags before this batch were all settled already (each batch waits for its own),
        so the range starts at the batch: not at 1, which would grow with the connection."""
        return range(self._batch_first_tag if multiple else delivery_tag, delivery_tag + 1)

    def publish(self, envelope: Mapping[str, Any]) -> None:
        result = self.publish_many([envelope])
        if result.error:
            raise PublishFailed(result.error)

    def publish_many(self, envelopes: Sequence[Mapping[str, Any]]) -> Published:
        tags: list[int] = []
        spans: list[Span] = []
        try:
            producer = self._ready_producer()
            self._acked.clear()
            self._nacked.clear()
            self._batch_first_tag = self._next_tag
            exchange = producer.exchange or topic_exchange(self.exchange)
            for envelope in envelopes:
                spans.append(sending(envelope, self.exchange))
                publish_task(
                    producer,
                    envelope,
                    exchange=exchange,
                    routing_key=str(envelope["type"]),
                    traceparent=traceparent_of(spans[-1]),
                )
                tags.append(self._next_tag)
                self._next_tag += 1
            if self.confirms:
                self._await_confirms(tags)
        except Exception as exc:
            self.close()
            error = f"{type(exc).__name__}: {exc}"
            confirmed = self._confirmed_prefix(tags)
            for index, span in enumerate(spans):
                if index >= confirmed:
                    span.set_status(Status(StatusCode.ERROR, error[:200]))
                span.end()
            return Published(confirmed, error)
        for span in spans:
            span.end()
        return Published(len(envelopes))

    def _await_confirms(self, tags: list[int]) -> None:
        assert self._connection is not None
        deadline = time.monotonic() + self.confirm_timeout
        pending = set(tags)
        while pending - self._acked:
            if pending & self._nacked:
                raise PublishFailed(f"the broker refused {len(pending & self._nacked)} message(s)")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"no confirm within {self.confirm_timeout:.0f}s")
            self._connection.drain_events(timeout=remaining)

    def _confirmed_prefix(self, tags: list[int]) -> int:
        count = 0
        for tag in tags:
            if tag not in self._acked or not self.confirms:
                break
            count += 1
        return count

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # a dead connection may fail to close; it is gone either way
                logger.debug("closing the broker connection failed", exc_info=True)
        self._connection = self._producer = None


class PublishFailed(ConnectionError):
    """The broker did not confirm a message."""

"""The idempotent consumer: effect and ProcessedMessage in one transaction; retries; DLQ."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery import Celery
from kombu import Connection

from strangler.events import Event, broker
from strangler.events.broker import TASK_NAME
from strangler.events.consumer import (
    EventConsumer,
    RetryPolicy,
    Subscription,
    consume_batch,
    consume_once,
)
from strangler.events.envelope import Delivery
from strangler.events.models import DeadLetter, ProcessedMessage
from strangler.events.schemas import published
from strangler.events.tests.factories import order_cancelled, order_paid

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


class Effects:
    def __init__(self) -> None:
        self.applied: list[str] = []
        self.after: list[str] = []
        self.fail_times = 0
        self.fail_ids: set[str] = set()

    def apply(self, event: Event) -> None:
        ProcessedMessage.objects.create(consumer="effect", event_id=uuid.uuid4(), event_type="x")
        if event.id in self.fail_ids:
            raise Boom(f"handler failed on {event.id}")
        if self.fail_times:
            self.fail_times -= 1
            raise Boom("handler failed")
        self.applied.append(event.id)

    def after_commit(self, event: Event) -> None:
        self.after.append(event.id)


@pytest.fixture
def effects() -> Effects:
    return Effects()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Celery]:
    """A Celery app on kombu's in-memory broker (Celery lets CELERY_BROKER_URL win: unset)."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    app = Celery(f"test-{uuid.uuid4().hex[:6]}", broker="memory://", set_as_current=False)
    assert app.conf.broker_url == "memory://"
    yield app


@pytest.fixture
def consumer(effects: Effects) -> EventConsumer:
    name = f"test-{uuid.uuid4().hex[:8]}"
    return EventConsumer(
        name=name,
        registry=published,
        subscriptions=[Subscription("order.paid", effects.apply, effects.after_commit)],
        exchange=f"events-{name}",
        retry=RetryPolicy(max_retries=2, backoff=0.01, jitter=False),
    )


def _drain(app: Celery, queue: str) -> list[Any]:
    """Every message waiting in ``queue`` on the app's (in-memory) broker."""
    found = []
    with Connection(app.conf.broker_url) as connection:
        simple = connection.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(block=False)
            except simple.Empty:
                break
            found.append((message.headers, message.payload))
            message.ack()
        simple.close()
    return found


def test_a_duplicate_event_changes_nothing(effects: Effects) -> None:
    event = order_paid()

    first = consume_once(consumer="c", event=event, apply=effects.apply)
    second = consume_once(consumer="c", event=event, apply=effects.apply)

    assert (first, second) == (True, False)
    assert effects.applied == [event.id]
    assert ProcessedMessage.objects.filter(consumer="c").count() == 1


def test_the_same_event_is_applied_once_per_consumer(effects: Effects) -> None:
    event = order_paid()

    consume_once(consumer="notifications", event=event, apply=effects.apply)
    consume_once(consumer="analytics", event=event, apply=effects.apply)

    assert effects.applied == [event.id, event.id]


def test_a_failing_handler_leaves_no_processed_row_and_no_effect(effects: Effects) -> None:
    effects.fail_times = 1
    event = order_paid()

    with pytest.raises(Boom):
        consume_once(consumer="c", event=event, apply=effects.apply)

    assert ProcessedMessage.objects.count() == 0  # neither the marker nor the effect's row
    assert consume_once(consumer="c", event=event, apply=effects.apply) is True


def test_delivery_applies_then_runs_the_after_commit_step_on_every_delivery(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    envelope = order_paid().to_dict()

    first = consumer.deliver(envelope, retries=0, app=app)
    again = consumer.deliver(envelope, retries=0, app=app)

    assert (first.status, again.status) == ("applied", "duplicate")
    assert effects.applied == [envelope["id"]]
    assert effects.after == [envelope["id"], envelope["id"]]  # idempotent by the event id


def test_an_invalid_event_goes_to_the_dead_letter_queue_without_running_a_handler(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    envelope = order_paid(total=12).to_dict()

    outcome = consumer.deliver(envelope, retries=0, app=app)

    assert outcome.status == "dead-lettered"
    assert 'total: 12 is not of type "string"' in outcome.detail
    assert effects.applied == [] and effects.after == []
    [(_, record)] = _drain(app, consumer.dlq_name)
    assert record["envelope"] == envelope
    assert record["consumer"] == consumer.name
    letter = DeadLetter.objects.get()
    assert (letter.event_id, letter.retries) == (envelope["id"], 0)


def test_a_failure_is_retried_on_the_consumers_own_queue_with_growing_backoff(
    consumer: EventConsumer, effects: Effects, app: Celery, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(broker._message_factory, "now", lambda: frozen)
    effects.fail_times = 5
    envelope = order_paid().to_dict()
    delays = []

    for retries in (0, 1):
        outcome = consumer.deliver(envelope, retries=retries, app=app)

        assert outcome.status == "retrying"
        [(headers, body)] = _drain(app, consumer.queue_name)
        assert headers["task"] == TASK_NAME
        assert headers["retries"] == retries + 1
        assert headers["id"] == envelope["id"]
        assert body[0] == [envelope]
        delays.append(datetime.fromisoformat(headers["eta"]) - frozen)

    # backoff 0.01 s, doubled on each retry (no jitter in the fixture's policy)
    assert delays == [timedelta(seconds=0.01), timedelta(seconds=0.02)]
    assert RetryPolicy(backoff=1, jitter=False).countdown(3) == 8


def test_after_the_last_retry_the_event_is_dead_lettered(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    effects.fail_times = 5
    envelope = order_paid().to_dict()

    outcome = consumer.deliver(envelope, retries=2, app=app)

    assert outcome.status == "dead-lettered"
    assert "Boom: handler failed" in outcome.detail
    assert _drain(app, consumer.queue_name) == []
    [(_, record)] = _drain(app, consumer.dlq_name)
    assert record["retries"] == 2


def test_a_dead_letter_can_be_replayed_after_a_fix(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    effects.fail_times = 5
    envelope = order_paid().to_dict()
    consumer.deliver(envelope, retries=2, app=app)
    effects.fail_times = 0

    assert consumer.replay(app, DeadLetter.objects.all()) == 1

    [(headers, body)] = _drain(app, consumer.queue_name)
    assert consumer.deliver(body[0][0], retries=headers["retries"], app=app).status == "applied"
    assert DeadLetter.objects.get().replayed_at is not None


def test_a_batch_applies_each_new_event_once_and_reports_each_outcome(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    seen, new = order_paid(order_id=1).to_dict(), order_paid(order_id=2).to_dict()
    consumer.deliver(seen, retries=0, app=app)
    invalid = order_paid(order_id=3, total=12).to_dict()
    batch = [Delivery(new), Delivery(seen), Delivery(new), Delivery(invalid)]

    outcomes = consumer.deliver_many(batch, app=app)

    assert [o.status for o in outcomes] == ["applied", "duplicate", "duplicate", "dead-lettered"]
    assert effects.applied == [seen["id"], new["id"]]
    assert ProcessedMessage.objects.filter(consumer=consumer.name).count() == 2
    # the step outside the database runs on every delivery, duplicates included
    assert effects.after == [seen["id"], new["id"], seen["id"], new["id"]]


def test_a_failing_event_rolls_the_batch_back_and_only_it_is_retried(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    good, bad, also_good = (order_paid(order_id=n).to_dict() for n in (1, 2, 3))
    effects.fail_ids = {bad["id"]}

    outcomes = consumer.deliver_many([Delivery(good), Delivery(bad), Delivery(also_good)], app=app)

    assert [o.status for o in outcomes] == ["applied", "retrying", "applied"]
    # the first try of the batch rolled back: each good effect is in the database once
    assert ProcessedMessage.objects.filter(consumer="effect").count() == 2
    processed = set(
        ProcessedMessage.objects.filter(consumer=consumer.name).values_list("event_id", flat=True)
    )
    assert processed == {uuid.UUID(good["id"]), uuid.UUID(also_good["id"])}
    [(headers, _)] = _drain(app, consumer.queue_name)
    assert (headers["id"], headers["retries"]) == (bad["id"], 1)


def test_a_batch_whose_messages_carry_their_retry_count_dead_letters_the_last_try(
    consumer: EventConsumer, effects: Effects, app: Celery
) -> None:
    bad = order_paid().to_dict()
    effects.fail_ids = {bad["id"]}

    [outcome] = consumer.deliver_many([Delivery(bad, retries=2)], app=app)

    assert outcome.status == "dead-lettered"
    assert DeadLetter.objects.get().retries == 2


def test_a_batch_hands_each_run_of_one_subscription_to_apply_many_in_delivery_order(
    app: Celery,
) -> None:
    calls: list[tuple[str, list[int]]] = []

    def record(kind: str) -> Callable[[Sequence[Event]], None]:
        def apply_many(events: Sequence[Event]) -> None:
            calls.append((kind, [event.data["order_id"] for event in events]))

        return apply_many

    def never(event: Event) -> None:
        raise AssertionError("apply_many was given, apply must not run")

    consumer = EventConsumer(
        name=f"test-{uuid.uuid4().hex[:8]}",
        registry=published,
        subscriptions=[
            Subscription("order.paid", never, apply_many=record("paid")),
            Subscription("order.cancelled", never, apply_many=record("cancelled")),
        ],
    )
    seen = order_paid(order_id=9).to_dict()
    consume_batch(
        consumer=consumer.name, batch=[(Event.from_dict(seen), consumer.subscriptions[0])]
    )
    calls.clear()
    envelopes = [
        order_paid(order_id=1).to_dict(),
        seen,
        order_paid(order_id=2).to_dict(),
        order_cancelled(order_id=1).to_dict(),
        order_paid(order_id=3).to_dict(),
    ]

    outcomes = consumer.deliver_many([Delivery(envelope) for envelope in envelopes], app=app)

    assert [o.status for o in outcomes] == ["applied", "duplicate", "applied", "applied", "applied"]
    assert calls == [("paid", [1, 2]), ("cancelled", [1]), ("paid", [3])]

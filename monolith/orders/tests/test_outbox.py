"""Stage 2: orders announces its changes as integration events through its outbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from django.db import connection, transaction

from monolith.orders import services
from monolith.orders.models import Order
from monolith.orders.outbox.adapters import OutboxEvents
from monolith.orders.outbox.models import OutboxMessage
from monolith.orders.tests.fakes import FakeInventory, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, place_checkout
from monolith.orders.wiring import EVENTS
from strangler.composition import root
from strangler.events import Event, InvalidEvent, OutboxMisuse
from strangler.events.broker import Published
from strangler.events.outbox import publish
from strangler.events.relay import Relay
from strangler.events.schemas import published
from strangler.events.tests.factories import order_paid_data


@pytest.fixture
def outbox_events(world: FakeInventory) -> Iterator[None]:
    """The orders outbox behind the events port (after ``world``, which puts a fake there)."""
    with root.replaced(EVENTS, OutboxEvents()):
        yield


class RecordingPublisher:
    def __init__(self, fail_on: int | None = None) -> None:
        self.published: list[dict[str, Any]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def publish_many(self, envelopes: Sequence[Mapping[str, Any]]) -> Published:
        for index, envelope in enumerate(envelopes):
            if self.fail_on is not None and envelope["data"]["order_id"] == self.fail_on:
                return Published(index, "ConnectionResetError: broker went away")
            with self.lock:
                self.published.append(dict(envelope))
        return Published(len(envelopes))

    def close(self) -> None:
        pass

    def order_ids(self) -> list[int]:
        return [e["data"]["order_id"] for e in self.published]


def _types() -> list[str]:
    return list(OutboxMessage.objects.order_by("id").values_list("event_type", flat=True))


@pytest.mark.django_db
def test_a_paid_checkout_writes_created_and_paid_to_the_outbox(
    world: FakeInventory, outbox_events: None
) -> None:
    place_checkout(MUG=2)

    order = Order.objects.get()
    assert _types() == ["order.created", "order.paid"]
    paid = OutboxMessage.objects.get(event_type="order.paid")
    assert (paid.aggregate_type, paid.aggregate_id, paid.sent_at) == ("order", str(order.pk), None)
    published.validate(paid.payload)
    assert paid.payload["data"]["customer_email"] == f"c{CUSTOMER}@example.com"
    assert paid.payload["data"]["total"] == "25.00"
    assert paid.payload["source"] == "monolith.orders"


@pytest.mark.django_db
def test_a_cancellation_is_announced_with_its_cause(
    world: FakeInventory, outbox_events: None
) -> None:
    order = place_checkout(MUG=1).order
    services.order_cancel(order_id=order.pk, customer_id=CUSTOMER)

    cancelled = OutboxMessage.objects.get(event_type="order.cancelled")
    assert cancelled.payload["data"]["cause"] == "requested"
    assert cancelled.payload["data"]["was_paid"] is True


@pytest.mark.django_db
def test_a_failed_checkout_rolls_back_nothing_it_announced(
    world: FakeInventory, payments: FakePayments, outbox_events: None
) -> None:
    payments.fail_with = TimeoutError("processor timeout")

    with pytest.raises(TimeoutError):
        place_checkout(MUG=1)

    # created (T1 committed) and cancelled by the compensation; never paid
    assert _types() == ["order.created", "order.cancelled"]
    assert OutboxMessage.objects.get(event_type="order.cancelled").payload["data"]["cause"] == (
        "checkout_failed"
    )


@pytest.mark.django_db
def test_the_event_rolls_back_with_the_change(world: FakeInventory, outbox_events: None) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=1)
        services.order_place(customer_id=CUSTOMER)
        assert _types() == ["order.created"]
        raise Boom

    assert _types() == []
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_the_business_transaction_is_refused() -> None:
    event = Event(type="order.paid", data=order_paid_data(), source="tests")

    with pytest.raises(OutboxMisuse, match="inside the business transaction"):
        publish(OutboxMessage, event, aggregate_type="order", aggregate_id=7)

    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_event_is_never_written() -> None:
    event = Event(type="order.paid", data=order_paid_data(total=1), source="tests")

    with pytest.raises(InvalidEvent, match="total"):
        publish(OutboxMessage, event, aggregate_type="order", aggregate_id=7)

    assert OutboxMessage.objects.count() == 0


# --- the relay --------------------------------------------------------------------------------


def _write(*order_ids: int) -> list[OutboxMessage]:
    rows = []
    with transaction.atomic():
        for order_id in order_ids:
            event = Event(type="order.paid", data=order_paid_data(order_id), source="tests")
            rows.append(
                publish(OutboxMessage, event, aggregate_type="order", aggregate_id=order_id)
            )
    return rows


@pytest.mark.django_db
def test_the_relay_publishes_in_order_and_marks_sent() -> None:
    _write(1, 2, 1, 3)
    publisher = RecordingPublisher()

    result = Relay([OutboxMessage], publisher).run_once()

    assert result.published == 4
    assert publisher.order_ids() == [1, 2, 1, 3]
    assert not OutboxMessage.objects.filter(sent_at=None).exists()
    assert Relay([OutboxMessage], publisher).run_once().published == 0  # nothing twice


@pytest.mark.django_db
def test_a_broker_error_stops_the_round_keeps_what_was_confirmed_and_records_the_error() -> None:
    _write(1, 2, 3)
    publisher = RecordingPublisher(fail_on=2)

    result = Relay([OutboxMessage], publisher).run_once()

    assert (result.published, result.error) == (1, "ConnectionResetError: broker went away")
    failed = OutboxMessage.objects.get(aggregate_id="2")
    assert (failed.sent_at, failed.attempts, failed.last_error) == (None, 1, result.error)
    assert OutboxMessage.objects.filter(sent_at=None).count() == 2

    publisher.fail_on = None  # the broker is back
    assert Relay([OutboxMessage], publisher).run_once().published == 2
    assert publisher.order_ids() == [1, 2, 3]


@pytest.mark.django_db
def test_the_relay_batches() -> None:
    _write(*range(1, 8))
    publisher = RecordingPublisher()
    relay = Relay([OutboxMessage], publisher, batch_size=3)

    assert [relay.run_once().published for _ in range(4)] == [3, 3, 1, 0]
    assert publisher.order_ids() == list(range(1, 8))


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL (on SQLite run one relay)")


@pytest.mark.django_db(transaction=True)
def test_an_aggregates_later_event_waits_while_an_earlier_one_is_held_by_another_relay() -> None:
    _postgres_only()
    first_of_1, _, later_of_1 = _write(1, 2, 1)
    locked, release = threading.Event(), threading.Event()

    def other_relay_holding_the_first_row() -> None:
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=first_of_1.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=other_relay_holding_the_first_row)
    other.start()
    try:
        assert locked.wait(10)
        publisher = RecordingPublisher()
        result = Relay([OutboxMessage], publisher).run_once()
    finally:
        release.set()
        other.join(10)

    assert publisher.order_ids() == [2]  # order 1's second event did not overtake its first
    assert result.held_back == 1
    assert OutboxMessage.objects.get(pk=later_of_1.pk).sent_at is None


@pytest.mark.django_db(transaction=True)
def test_several_relays_never_publish_a_row_twice() -> None:
    _postgres_only()
    _write(*range(1, 121))
    publisher = RecordingPublisher()
    errors: list[BaseException] = []

    def relay() -> None:
        try:
            one = Relay([OutboxMessage], publisher, batch_size=7)
            while OutboxMessage.objects.filter(sent_at=None).exists():
                one.run_once()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    ids = [e["id"] for e in publisher.published]
    assert len(ids) == len(set(ids)) == 120
    assert sorted(publisher.order_ids()) == list(range(1, 121))

"""Order events move the stock once, whatever the broker redelivers: order.created binds the
hold, order.paid commits (or re-takes, or says stock.commit_failed), order.cancelled releases
or restocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from extracted.inventory.stock.models import Hold, Reservation
from extracted.inventory.stock.outbox.models import OutboxMessage
from extracted.inventory.stock.services import (
    reservation_release_expired,
    stock_reserve,
    stock_set,
)
from extracted.inventory.stock.tests.helpers import (
    order_cancelled,
    order_created,
    order_paid,
    payload,
    published,
    stock,
)
from strangler.events import Event
from strangler.events.consumer import EventConsumer
from strangler.events.models import DeadLetter, ProcessedMessage
from strangler.events.schemas import published as producer_schemas

pytestmark = pytest.mark.django_db


def thrice(consumer: EventConsumer, app: Celery, event: Event) -> list[str]:
    envelope = event.to_dict()
    return [consumer.deliver(envelope, retries=0, app=app).status for _ in range(3)]


def held(order_id: int = 7, sku: str = "MUG", quantity: int = 2, on_hand: int = 5) -> None:
    stock_set(sku=sku, on_hand=on_hand)
    stock_reserve(order_id=order_id, lines=[(sku, quantity)])


def expire(order_id: int = 7) -> None:
    Reservation.objects.filter(order_id=order_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert reservation_release_expired() == [order_id]


def test_order_created_three_times_confirms_the_hold_once(
    consumer: EventConsumer, app: Celery
) -> None:
    held()

    statuses = thrice(consumer, app, order_created())

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert Hold.objects.get(order_id=7).confirmed_at is not None
    assert stock("MUG") == (5, 2)
    assert ProcessedMessage.objects.count() == 1


def test_order_paid_three_times_commits_once(consumer: EventConsumer, app: Celery) -> None:
    held()

    statuses = thrice(consumer, app, order_paid())

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert stock("MUG") == (3, 0)
    assert set(Reservation.objects.values_list("status", flat=True)) == {"committed"}
    assert published(7) == ["stock.reserved", "stock.committed"]
    assert payload("stock.committed")["lines"] == [{"sku": "MUG", "quantity": 2}]


def test_another_order_paid_event_for_a_committed_order_changes_nothing(
    consumer: EventConsumer, app: Celery
) -> None:
    held()
    consumer.deliver(order_paid().to_dict(), retries=0, app=app)

    outcome = consumer.deliver(order_paid().to_dict(), retries=0, app=app)  # another event id

    assert outcome.status == "applied"
    assert stock("MUG") == (3, 0)
    assert published(7) == ["stock.reserved", "stock.committed"]


def test_order_paid_after_expiry_with_stock_available_takes_the_units_again(
    consumer: EventConsumer, app: Celery
) -> None:
    held()
    expire()

    consumer.deliver(order_paid().to_dict(), retries=0, app=app)

    assert stock("MUG") == (3, 0)
    assert set(Reservation.objects.values_list("status", flat=True)) == {"committed"}
    assert published(7) == ["stock.reserved", "stock.released", "stock.committed"]


def test_order_paid_without_a_hold_here_takes_the_orders_lines(
    consumer: EventConsumer, app: Celery
) -> None:
    stock_set(sku="MUG", on_hand=5)
    stock_set(sku="TEA", on_hand=5)

    consumer.deliver(
        order_paid(lines=[("TEA", 1), ("MUG", 2), ("MUG", 1)]).to_dict(), retries=0, app=app
    )

    assert (stock("MUG"), stock("TEA")) == ((2, 0), (4, 0))
    rows = Reservation.objects.filter(order_id=7).order_by("sku")
    assert [(r.sku, r.quantity, r.status) for r in rows] == [
        ("MUG", 3, "committed"),
        ("TEA", 1, "committed"),
    ]


def test_stock_commit_failed_lists_every_line_with_what_is_available(
    consumer: EventConsumer, app: Celery
) -> None:
    stock_set(sku="MUG", on_hand=5)
    stock_set(sku="TEA", on_hand=4)
    stock_reserve(order_id=7, lines=[("MUG", 2), ("TEA", 1)])
    expire()
    stock_reserve(order_id=8, lines=[("MUG", 4)])  # someone else took the mugs meanwhile

    statuses = thrice(consumer, app, order_paid(lines=[("MUG", 2), ("TEA", 1)]))

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert (stock("MUG"), stock("TEA")) == ((5, 4), (4, 0))
    assert set(Reservation.objects.filter(order_id=7).values_list("status", flat=True)) == {
        "released"
    }
    assert published(7) == ["stock.reserved", "stock.released", "stock.commit_failed"]
    failed = payload("stock.commit_failed")
    assert failed["order_id"] == 7
    assert failed["lines"] == [
        {"sku": "MUG", "quantity": 2, "available": 1},
        {"sku": "TEA", "quantity": 1, "available": 4},
    ]
    assert "MUG (1 of 2 left)" in failed["reason"]
    assert failed["failed_at"].endswith("Z")


def test_stock_commit_failed_matches_its_published_schema(
    consumer: EventConsumer, app: Celery
) -> None:
    stock_set(sku="MUG", on_hand=0)

    consumer.deliver(order_paid().to_dict(), retries=0, app=app)

    row = OutboxMessage.objects.get(event_type="stock.commit_failed")
    producer_schemas.validate(Event.from_dict(row.payload))
    assert row.payload["data"]["lines"] == [{"sku": "MUG", "quantity": 2, "available": 0}]


def test_cancelled_after_commit_failed_is_a_no_op(consumer: EventConsumer, app: Celery) -> None:
    held()
    expire()
    stock_reserve(order_id=8, lines=[("MUG", 5)])
    consumer.deliver(order_paid().to_dict(), retries=0, app=app)
    assert published(7)[-1] == "stock.commit_failed"

    statuses = thrice(consumer, app, order_cancelled(was_paid=True, cause="requested"))

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert stock("MUG") == (5, 5)
    assert published(7) == ["stock.reserved", "stock.released", "stock.commit_failed"]


def test_unpaid_cancellation_three_times_releases_once(
    consumer: EventConsumer, app: Celery
) -> None:
    held()

    statuses = thrice(consumer, app, order_cancelled(was_paid=False))

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert stock("MUG") == (5, 0)
    assert published(7) == ["stock.reserved", "stock.released"]
    assert payload("stock.released")["cause"] == "cancelled"


def test_paid_cancellation_three_times_restocks_once(consumer: EventConsumer, app: Celery) -> None:
    held()
    consumer.deliver(order_paid().to_dict(), retries=0, app=app)

    statuses = thrice(consumer, app, order_cancelled(was_paid=True))

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert stock("MUG") == (5, 0)
    assert published(7) == ["stock.reserved", "stock.committed", "stock.restocked"]


def test_a_cancellation_of_an_order_without_a_reservation_changes_nothing(
    consumer: EventConsumer, app: Celery
) -> None:
    for event in (order_cancelled(was_paid=False), order_cancelled(was_paid=True)):
        assert consumer.deliver(event.to_dict(), retries=0, app=app).status == "applied"

    assert published() == []


def test_an_event_breaking_this_services_copy_of_the_schema_is_dead_lettered(
    consumer: EventConsumer, app: Celery
) -> None:
    held()
    envelope = order_paid().to_dict()
    envelope["data"]["lines"] = []

    outcome = consumer.deliver(envelope, retries=0, app=app)

    assert outcome.status == "dead-lettered"
    assert DeadLetter.objects.get().consumer == "inventory"
    assert stock("MUG") == (5, 2)


def test_a_paid_cancellation_of_a_hold_not_yet_committed_releases_it(
    consumer: EventConsumer, app: Celery
) -> None:
    held()

    consumer.deliver(order_cancelled(was_paid=True).to_dict(), retries=0, app=app)

    assert stock("MUG") == (5, 0)
    assert published(7) == ["stock.reserved", "stock.released"]


@pytest.mark.parametrize("was_paid", [False, True])
def test_an_order_paid_delivered_after_the_cancellation_changes_nothing(
    consumer: EventConsumer, app: Celery, was_paid: bool
) -> None:
    held()
    consumer.deliver(order_cancelled(was_paid=was_paid).to_dict(), retries=0, app=app)

    outcome = consumer.deliver(order_paid().to_dict(), retries=0, app=app)  # a retry, overtaken

    assert outcome.status == "applied"
    assert stock("MUG") == (5, 0)
    assert published(7) == ["stock.reserved", "stock.released"]


def test_an_order_paid_after_the_cancellation_of_an_order_never_held_here_changes_nothing(
    consumer: EventConsumer, app: Celery
) -> None:
    stock_set(sku="MUG", on_hand=5)
    consumer.deliver(order_cancelled(was_paid=True).to_dict(), retries=0, app=app)

    consumer.deliver(order_paid().to_dict(), retries=0, app=app)

    assert stock("MUG") == (5, 0)
    assert published() == []

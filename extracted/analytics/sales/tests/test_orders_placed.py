"""``order.created`` counts an order placed on its UTC day: once, whatever is redelivered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from celery import Celery
from rest_framework.test import APIClient

from extracted.analytics.sales import selectors
from extracted.analytics.sales.models import DailySales, PlacedOrder
from extracted.analytics.sales.tests.helpers import order_cancelled, order_created, order_paid
from strangler.events.consumer import EventConsumer
from strangler.events.envelope import Delivery
from strangler.events.models import ProcessedMessage
from strangler.testing import client_for

STAFF = ("customer", "admin")  # as identity's token of an account granted admin

pytestmark = pytest.mark.django_db

PLACED = "/api/v1/analytics/orders/daily"


def placed(start: str = "2025-01-01", end: str = "2025-01-31") -> dict[str, int]:
    days = selectors.orders_placed_daily(
        start=date.fromisoformat(start), end=date.fromisoformat(end)
    )
    return {row["day"].isoformat(): row["orders_placed"] for row in days}


def test_an_order_placed_counts_on_its_utc_day_paid_or_not(
    deliver: Callable[..., list[str]],
) -> None:
    assert (
        deliver(
            order_created(1),
            order_created(2, created_at="2025-01-02T23:59:59+00:00"),
            # 00:30 in Amsterdam on the 3rd is still the 2nd in UTC
            order_created(3, created_at="2025-01-03T00:30:00+01:00"),
            order_created(4, created_at="2025-01-03T00:00:00Z"),
        )
        == ["applied"] * 4
    )

    assert placed() == {"2025-01-02": 3, "2025-01-03": 1}
    assert not DailySales.objects.exists()  # placed is not sold


def test_order_created_delivered_three_times_counts_once(
    deliver: Callable[..., list[str]],
) -> None:
    event = order_created()

    assert deliver(event, event, event) == ["applied", "duplicate", "duplicate"]
    # another event for the same order (a republished outbox row) counts once too
    assert deliver(order_created()) == ["applied"]

    assert placed() == {"2025-01-02": 1}
    assert PlacedOrder.objects.get().order_id == 7


def test_payment_and_cancellation_leave_the_orders_placed_as_they_are(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(order_created(7), order_paid(7), order_cancelled(7, cause="stock_unavailable"))

    assert placed() == {"2025-01-02": 1}


def test_a_batch_counts_like_its_events_one_by_one_in_one_statement(
    consumer: EventConsumer,
    app: Celery,
    deliver: Callable[..., list[str]],
    django_assert_max_num_queries: Any,
) -> None:
    deliver(order_created(1))
    batch = [order_created(1), *(order_created(n) for n in range(2, 30)), order_created(2)]

    with django_assert_max_num_queries(6):  # the claim, then one insert for the run
        outcomes = consumer.deliver_many([Delivery(e.to_dict()) for e in batch], app=app)

    assert {o.status for o in outcomes} == {"applied"}
    assert placed() == {"2025-01-02": 29}
    assert ProcessedMessage.objects.count() == 1 + len(batch)


def test_an_event_that_breaks_its_schema_counts_nothing(
    deliver: Callable[..., list[str]],
) -> None:
    assert deliver(order_created(created_at="yesterday")) == ["dead-lettered"]

    assert not PlacedOrder.objects.exists()


def test_the_api_gives_the_orders_placed_per_day_of_a_range(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(
        order_created(1, created_at="2025-01-01T10:00:00Z"),
        order_created(2),
        order_created(3),
        order_created(4, created_at="2025-01-09T10:00:00Z"),
    )

    response = client_for(1, roles=STAFF).get(PLACED, {"from": "2025-01-02", "to": "2025-01-08"})

    assert response.status_code == 200
    assert response.json() == {
        "from": "2025-01-02",
        "to": "2025-01-08",
        "days": [{"day": "2025-01-02", "orders_placed": 2}],
    }


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"from": "2025-02-01", "to": "2025-01-01"}, 422, "invalid_range"),
        ({"from": "yesterday"}, 400, "validation_error"),
    ],
)
def test_the_api_refuses_a_bad_range_naming_the_parameter(
    query: dict[str, str], status: int, code: str
) -> None:
    response = client_for(1, roles=STAFF).get(PLACED, query)

    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert "from" in response.json()["error"]["details"]


def test_the_orders_placed_need_a_signed_in_caller() -> None:
    response = APIClient().get(PLACED)

    assert response.status_code == 401

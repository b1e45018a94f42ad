"""Order events become sales figures: once, whatever the broker redelivers, in any order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from celery import Celery

from extracted.analytics.sales.models import DailySales, ProductDailySales, Sale
from extracted.analytics.sales.tests.helpers import MUG, TEA, order_cancelled, order_paid
from strangler.events.consumer import EventConsumer
from strangler.events.envelope import Delivery
from strangler.events.models import ProcessedMessage

pytestmark = pytest.mark.django_db

DAY = date(2025, 1, 2)


def day_figures(day: date = DAY, currency: str = "EUR") -> tuple[int, Decimal, int, Decimal]:
    row = DailySales.objects.get(day=day, currency=currency)
    return row.orders, row.revenue, row.cancelled_orders, row.cancelled_revenue


def product_figures(day: date = DAY) -> dict[str, tuple[int, Decimal, int]]:
    return {
        p.sku: (p.units, p.revenue, p.cancelled_units)
        for p in ProductDailySales.objects.filter(day=day)
    }


def test_a_paid_order_counts_per_day_and_per_product(deliver: Callable[..., list[str]]) -> None:
    assert deliver(order_paid()) == ["applied"]

    assert day_figures() == (1, Decimal("31.50"), 0, Decimal("0.00"))
    assert product_figures() == {
        "MUG-BLUE": (2, Decimal("24.00"), 0),
        "TEA-EARL": (1, Decimal("7.50"), 0),
    }
    assert ProductDailySales.objects.get(sku="TEA-EARL").name == "Earl Grey, 100 g"


def test_the_same_event_delivered_three_times_counts_once(
    deliver: Callable[..., list[str]],
) -> None:
    event = order_paid()

    assert deliver(event, event, event) == ["applied", "duplicate", "duplicate"]

    assert day_figures() == (1, Decimal("31.50"), 0, Decimal("0.00"))
    assert product_figures()["MUG-BLUE"] == (2, Decimal("24.00"), 0)
    assert Sale.objects.count() == 1


def test_orders_add_up_exactly_per_day_and_are_kept_apart_per_currency(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(
        order_paid(1, total="0.10", lines=[{**TEA, "unit_price": "0.10"}]),
        order_paid(2, total="0.20", lines=[{**TEA, "unit_price": "0.20"}]),
        order_paid(3, total="5.00", currency="USD", lines=[{**MUG, "quantity": 1}]),
        order_paid(4, paid_at="2025-01-02T23:59:59+00:00"),
        # 00:30 in Amsterdam on the 3rd is still the 2nd in UTC
        order_paid(5, paid_at="2025-01-03T00:30:00+01:00"),
        order_paid(6, paid_at="2025-01-03T00:00:00Z"),
    )

    assert day_figures() == (4, Decimal("63.30"), 0, Decimal("0.00"))
    assert day_figures(currency="USD") == (1, Decimal("5.00"), 0, Decimal("0.00"))
    assert day_figures(day=date(2025, 1, 3)) == (1, Decimal("31.50"), 0, Decimal("0.00"))
    assert ProductDailySales.objects.get(day=DAY, sku="TEA-EARL", currency="EUR").units == 4
    assert ProductDailySales.objects.get(day=DAY, sku="MUG-BLUE", currency="USD").units == 1


def test_cancelling_a_paid_order_takes_it_out_of_the_day_it_was_paid(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(order_paid(7), order_paid(8, lines=[TEA], total="7.50"))

    assert deliver(order_cancelled(7)) == ["applied"]

    assert day_figures() == (1, Decimal("7.50"), 1, Decimal("31.50"))
    assert product_figures() == {
        "MUG-BLUE": (0, Decimal("0.00"), 2),
        "TEA-EARL": (1, Decimal("7.50"), 1),
    }
    assert not DailySales.objects.filter(day=date(2025, 1, 5)).exists()


def test_a_cancellation_of_an_unpaid_order_changes_nothing(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(order_paid(7))

    assert deliver(order_cancelled(9, was_paid=False, cause="expired")) == ["applied"]

    assert day_figures() == (1, Decimal("31.50"), 0, Decimal("0.00"))


def test_a_cancellation_delivered_again_takes_the_sale_back_once(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(order_paid(7), order_paid(8))
    cancellation = order_cancelled(7)

    deliver(cancellation, cancellation)
    # another event for the same cancellation (a republished outbox row) counts once too
    deliver(order_cancelled(7))

    assert day_figures() == (1, Decimal("31.50"), 1, Decimal("31.50"))


def test_a_cancellation_that_arrives_before_its_sale_still_counts(
    deliver: Callable[..., list[str]],
) -> None:
    deliver(order_cancelled(7))
    assert not DailySales.objects.exists()

    deliver(order_paid(7))

    assert day_figures() == (0, Decimal("0.00"), 1, Decimal("31.50"))
    assert product_figures()["MUG-BLUE"] == (0, Decimal("0.00"), 2)


def test_a_batch_counts_like_its_events_one_by_one_in_a_few_statements(
    consumer: EventConsumer,
    app: Celery,
    deliver: Callable[..., list[str]],
    django_assert_max_num_queries: Any,
) -> None:
    deliver(order_paid(1))
    batch = [
        order_paid(1),  # paid before, as another event: counted once
        *(order_paid(n, total="7.50", lines=[TEA]) for n in range(2, 40)),
        order_cancelled(2),
        order_cancelled(3, was_paid=False),
        order_paid(40, currency="USD", paid_at="2025-02-01T12:00:00Z"),
    ]

    # the claim, then about nine statements per run of one type (four runs here, 42 events):
    # not a few per event
    with django_assert_max_num_queries(32):
        outcomes = consumer.deliver_many([Delivery(e.to_dict()) for e in batch], app=app)

    assert {o.status for o in outcomes} == {"applied"}
    assert day_figures() == (1 + 37, Decimal("31.50") + 37 * Decimal("7.50"), 1, Decimal("7.50"))
    assert product_figures()["TEA-EARL"] == (1 + 37, Decimal("7.50") * 38, 1)
    assert day_figures(day=date(2025, 2, 1), currency="USD") == (1, Decimal("31.50"), 0, 0)
    assert ProcessedMessage.objects.count() == 1 + len(batch)


def test_an_event_that_breaks_its_schema_changes_no_figure(
    deliver: Callable[..., list[str]],
) -> None:
    assert deliver(order_paid(total="31.5")) == ["dead-lettered"]

    assert not DailySales.objects.exists()

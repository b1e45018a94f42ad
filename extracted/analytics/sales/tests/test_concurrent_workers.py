"""Two workers counting sales of the same day at once: neither overwrites the other's."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from extracted.analytics.sales import services
from extracted.analytics.sales.models import DailySales
from extracted.analytics.sales.services import PaidOrder, SoldLine
from strangler.testing import eventually

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time anyway"
    ),
]


def _order(order_id: int) -> PaidOrder:
    return PaidOrder(
        event_id=str(uuid.uuid4()),
        order_id=order_id,
        paid_at=datetime(2025, 1, 2, 12, tzinfo=UTC),
        currency="EUR",
        total=Decimal("10.00"),
        lines=(SoldLine(sku="TEA", name="Tea", quantity=1, unit_price=Decimal("10.00")),),
    )


def _in_thread(work: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_on_the_figures_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        row = cursor.fetchone()
    return bool(row and row[0])


def test_a_second_worker_waits_for_the_first_and_counts_both_sales() -> None:
    refreshed, release = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            services.sales_record(orders=[_order(1)])
            refreshed.set()
            release.wait(timeout=30)

    def second() -> None:
        with transaction.atomic():
            services.sales_record(orders=[_order(2)])

    one = _in_thread(first)
    assert refreshed.wait(timeout=30)
    two = _in_thread(second)
    try:
        eventually(_waiting_on_the_figures_lock, "the second worker waiting on the day's lock")
    finally:
        release.set()
        one.join(timeout=30)
        two.join(timeout=30)

    figures = DailySales.objects.get(day=date(2025, 1, 2), currency="EUR")
    assert (figures.orders, figures.revenue) == (2, Decimal("20.00"))

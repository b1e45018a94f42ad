"""Real races on PostgreSQL: threads with their own connections call the services at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection, connections

from monolith.inventory.errors import OutOfStock
from monolith.inventory.models import Reservation
from monolith.inventory.services import reservation_commit, stock_reserve, stock_set
from monolith.inventory.tests.helpers import stock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
    ),
]


def _race(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the calls in one thread each, released together; return a result or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:  # the test inspects what was raised
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def test_two_orders_racing_for_the_last_unit_exactly_one_wins() -> None:
    stock_set(sku="LAST", on_hand=1)

    results = _race(
        [
            lambda: stock_reserve(order_id=1, lines=[("LAST", 1)]),
            lambda: stock_reserve(order_id=2, lines=[("LAST", 1)]),
        ]
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], OutOfStock)
    assert failures[0].details == {"sku": "LAST", "requested": 1, "available": 0}
    assert stock("LAST") == (1, 1)
    assert Reservation.objects.count() == 1


def test_many_orders_racing_never_oversell() -> None:
    stock_set(sku="A", on_hand=5)
    stock_set(sku="B", on_hand=5)
    # Every order wants both SKUs, half of them in the reverse order: all-or-nothing and no
    # deadlock whatever order the lines come in.
    calls = [
        (lambda i=i: stock_reserve(order_id=i, lines=[("A", 1), ("B", 1)]))
        if i % 2
        else (lambda i=i: stock_reserve(order_id=i, lines=[("B", 1), ("A", 1)]))
        for i in range(1, 13)
    ]

    results = _race(calls)

    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 5
    assert all(isinstance(r, OutOfStock) for r in results if isinstance(r, Exception))
    assert stock("A") == (5, 5)
    assert stock("B") == (5, 5)
    assert Reservation.objects.count() == 10


def test_commit_racing_itself_takes_the_units_once() -> None:
    stock_set(sku="A", on_hand=3)
    stock_reserve(order_id=1, lines=[("A", 2)])

    results = _race([lambda: reservation_commit(order_id=1)] * 4)

    assert results == [None] * 4
    assert stock("A") == (1, 0)

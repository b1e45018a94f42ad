"""Real races on PostgreSQL: threads with their own connections call the API at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from extracted.inventory.stock.models import Reservation
from extracted.inventory.stock.services import (
    reservation_commit,
    reservation_release,
    stock_reserve,
    stock_set,
)
from extracted.inventory.stock.tests.helpers import stock

pytestmark = pytest.mark.django_db(transaction=True)


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


def _reserve(order_id: int, sku: str) -> Callable[[], Any]:
    def call() -> Any:
        return APIClient().put(
            f"/internal/v1/reservations/{order_id}",
            {"lines": [{"sku": sku, "quantity": 1}]},
            format="json",
        )

    return call


def test_two_reserves_racing_for_the_last_unit_one_wins() -> None:
    stock_set(sku="LAST", on_hand=1)

    responses = _race([_reserve(1, "LAST"), _reserve(2, "LAST")])

    assert sorted(r.status_code for r in responses) == [201, 409]
    [lost] = [r for r in responses if r.status_code == 409]
    assert lost.json()["error"]["code"] == "out_of_stock"
    assert lost.json()["error"]["details"] == {"sku": "LAST", "requested": 1, "available": 0}
    assert stock("LAST") == (1, 1)
    assert Reservation.objects.count() == 1


def test_the_same_reserve_racing_itself_holds_once() -> None:
    stock_set(sku="MUG", on_hand=5)

    responses = _race([_reserve(7, "MUG"), _reserve(7, "MUG")])

    codes = sorted(r.status_code for r in responses)
    assert codes in ([200, 201], [201, 409])  # the loser waited on the row, or hit the key
    assert stock("MUG") == (5, 1)
    assert Reservation.objects.count() == 1


def test_many_orders_racing_in_both_sku_orders_never_oversell_nor_deadlock() -> None:
    stock_set(sku="A", on_hand=5)
    stock_set(sku="B", on_hand=5)
    calls = [
        (lambda i=i: stock_reserve(order_id=i, lines=[("A", 1), ("B", 1)]))
        if i % 2
        else (lambda i=i: stock_reserve(order_id=i, lines=[("B", 1), ("A", 1)]))
        for i in range(1, 13)
    ]

    results = _race(calls)

    assert sum(not isinstance(r, Exception) for r in results) == 5
    assert stock("A") == stock("B") == (5, 5)


def test_a_commit_racing_a_retake_of_the_last_unit_never_oversells() -> None:
    stock_set(sku="LAST", on_hand=1)
    stock_reserve(order_id=1, lines=[("LAST", 1)])
    reservation_release(order_id=1)  # order 1's hold expired; order 2 never held one

    results = _race(
        [
            lambda: reservation_commit(order_id=1, lines=[("LAST", 1)]).status,
            lambda: reservation_commit(order_id=2, lines=[("LAST", 1)]).status,
        ]
    )

    assert sorted(results) == ["committed", "failed"]
    assert stock("LAST") == (0, 0)

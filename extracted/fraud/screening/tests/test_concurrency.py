"""Real races on PostgreSQL: threads with their own connections ask for assessments at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.tests.helpers import body, post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL: SQLite's shared-cache test database refuses a second "
        "writer at once (database table is locked) instead of waiting",
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


def _attempt(order_id: int, key: str | None = None) -> Callable[[], Any]:
    return lambda: post(
        APIClient(), body(order_id=order_id), key=key or f"order-{order_id}-attempt-1"
    )


def test_a_customers_attempts_at_once_each_count_the_ones_before(settings: Any) -> None:
    settings.FRAUD_MAX_ATTEMPTS = 2

    responses = _race([_attempt(order_id) for order_id in range(1, 5)])

    assert [r.status_code for r in responses] == [201] * 4
    counted = sorted(r.json()["attempts_in_window"] for r in responses)
    assert counted == [0, 1, 2, 3]
    decisions = sorted(r.json()["decision"] for r in responses)
    assert decisions == ["approve", "approve", "decline", "decline"]


def test_the_same_attempt_racing_itself_is_assessed_once() -> None:
    responses = _race([_attempt(41), _attempt(41), _attempt(41)])

    assert Assessment.objects.count() == 1
    answered = [r for r in responses if r.status_code == 201]
    assert answered, [r.status_code for r in responses]
    assert {r.json()["id"] for r in answered} == {Assessment.objects.get().pk}
    # the losers got the first answer replayed, or were told it is still being processed
    assert all(r.status_code in (201, 409) for r in responses)

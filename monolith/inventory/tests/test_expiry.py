from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from monolith.inventory.models import Reservation, StockItem
from monolith.inventory.services import (
    reservation_commit,
    reservation_release_expired,
    stock_reserve,
)
from monolith.inventory.tasks import release_expired_reservations
from monolith.inventory.tests.helpers import snapshot, stock

pytestmark = pytest.mark.django_db

Status = Reservation.Status


@pytest.fixture
def shelf(make_stock: Callable[[str, int], StockItem]) -> None:
    make_stock("BEANS", 10)
    make_stock("CUP", 5)


def _age(order_id: int, minutes: int) -> None:
    Reservation.objects.filter(order_id=order_id).update(
        expires_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_expired_active_reservations_are_released_and_their_orders_returned(
    shelf: None,
) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2), ("CUP", 1)])
    stock_reserve(order_id=2, lines=[("BEANS", 3)])
    stock_reserve(order_id=3, lines=[("CUP", 2)])
    _age(1, 5)
    _age(3, 1)

    released = reservation_release_expired()

    assert released == [1, 3]
    assert stock("BEANS") == (10, 3)
    assert stock("CUP") == (5, 0)
    assert set(
        Reservation.objects.filter(order_id__in=[1, 3]).values_list("status", flat=True)
    ) == {Status.RELEASED}
    assert Reservation.objects.get(order_id=2).status == Status.ACTIVE


def test_nothing_is_released_before_the_expiry(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2)])
    before = snapshot()

    assert reservation_release_expired() == []
    assert snapshot() == before


def test_release_expired_uses_the_given_now(shelf: None, settings: object) -> None:
    settings.INVENTORY_RESERVATION_TTL = timedelta(minutes=15)  # type: ignore[attr-defined]
    expires_at = stock_reserve(order_id=1, lines=[("BEANS", 2)])

    assert reservation_release_expired(now=expires_at - timedelta(seconds=1)) == []
    assert reservation_release_expired(now=expires_at) == [1]
    assert stock("BEANS") == (10, 0)


def test_sweeping_twice_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2)])
    _age(1, 1)
    reservation_release_expired()
    before = snapshot()

    assert reservation_release_expired() == []
    assert snapshot() == before


def test_committed_reservations_never_expire(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2)])
    reservation_commit(order_id=1)
    _age(1, 60)
    before = snapshot()

    assert reservation_release_expired() == []
    assert snapshot() == before


def test_the_celery_task_releases_expired_reservations(shelf: None) -> None:
    stock_reserve(order_id=7, lines=[("CUP", 5)])
    _age(7, 1)

    result = release_expired_reservations.delay()

    assert result.get() == [7]
    assert stock("CUP") == (5, 0)
    assert release_expired_reservations.name == "inventory.release_expired_reservations"

"""The sweeper (a beat task): expired holds go back, and so do the holds this service made
that no order.created confirmed within INVENTORY_UNCONFIRMED_HOLD_SECONDS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from extracted.inventory.stock.models import Hold, Reservation
from extracted.inventory.stock.services import (
    hold_confirm,
    reservation_commit,
    stock_reserve,
    stock_set,
)
from extracted.inventory.stock.tasks import release_stale_holds
from extracted.inventory.stock.tests.helpers import payload, published, stock

pytestmark = pytest.mark.django_db


def made_ago(order_id: int, seconds: float) -> None:
    Hold.objects.filter(order_id=order_id).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture(autouse=True)
def _window(settings: Any) -> None:
    settings.INVENTORY_UNCONFIRMED_HOLD_SECONDS = 120


def test_an_old_unconfirmed_hold_is_released_and_a_confirmed_one_kept() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=1, lines=[("MUG", 2)])  # the checkout rolled back: never confirmed
    stock_reserve(order_id=2, lines=[("MUG", 3)])
    hold_confirm(order_id=2)
    made_ago(1, 121)
    made_ago(2, 121)

    swept = release_stale_holds()

    assert swept == {"expired": [], "unconfirmed": [1]}
    assert stock("MUG") == (10, 3)
    assert dict(Reservation.objects.values_list("order_id", "status")) == {
        1: "released",
        2: "active",
    }
    assert published(1) == ["stock.reserved", "stock.released"]
    assert payload("stock.released")["cause"] == "cancelled"
    assert Hold.objects.get(order_id=1).released_at is not None


def test_an_unconfirmed_hold_younger_than_the_window_is_kept() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=1, lines=[("MUG", 2)])
    made_ago(1, 119)

    assert release_stale_holds() == {"expired": [], "unconfirmed": []}
    assert stock("MUG") == (10, 2)


def test_a_second_sweep_changes_nothing() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=1, lines=[("MUG", 2)])
    made_ago(1, 500)
    release_stale_holds()

    assert release_stale_holds() == {"expired": [], "unconfirmed": []}
    assert published(1) == ["stock.reserved", "stock.released"]


def test_an_expired_confirmed_hold_is_released_as_expired() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=1, lines=[("MUG", 2)])
    hold_confirm(order_id=1)
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert release_stale_holds() == {"expired": [1], "unconfirmed": []}
    assert stock("MUG") == (10, 0)
    assert payload("stock.released")["cause"] == "expired"


def test_a_committed_unconfirmed_hold_is_left_alone() -> None:
    stock_set(sku="MUG", on_hand=10)
    stock_reserve(order_id=1, lines=[("MUG", 2)])
    reservation_commit(order_id=1, lines=[("MUG", 2)])
    made_ago(1, 500)

    assert release_stale_holds() == {"expired": [], "unconfirmed": []}
    assert stock("MUG") == (8, 0)


def test_the_beat_schedule_runs_the_sweeper() -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "inventory.release_stale_holds" in entries
    assert release_stale_holds.name == "inventory.release_stale_holds"

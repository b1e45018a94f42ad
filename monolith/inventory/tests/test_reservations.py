"""The reservation lifecycle: reserve -> commit -> restock, or reserve -> release/expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from monolith.inventory.errors import (
    InvalidReservation,
    OutOfStock,
    ReservationExists,
    ReservationNotActive,
    ReservationNotFound,
    SkuNotFound,
)
from monolith.inventory.models import Reservation, StockItem
from monolith.inventory.services import (
    reservation_commit,
    reservation_release,
    reservation_restock,
    stock_reserve,
)
from monolith.inventory.tests.helpers import snapshot, stock

pytestmark = pytest.mark.django_db

Status = Reservation.Status
MakeStock = Callable[[str, int], StockItem]


@pytest.fixture
def shelf(make_stock: MakeStock) -> None:
    make_stock("BEANS", 10)
    make_stock("CUP", 3)
    make_stock("KETTLE", 1)


def _statuses(order_id: int) -> dict[str, str]:
    return dict(Reservation.objects.filter(order_id=order_id).values_list("sku", "status"))


# --- reserve


def test_reserve_holds_the_units_and_records_active_reservations(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4), ("CUP", 3)])

    assert stock("BEANS") == (10, 4)
    assert stock("CUP") == (3, 3)
    assert _statuses(1) == {"BEANS": Status.ACTIVE, "CUP": Status.ACTIVE}


def test_reservation_expires_after_the_configured_ttl(shelf: None, settings: object) -> None:
    settings.INVENTORY_RESERVATION_TTL = timedelta(minutes=5)  # type: ignore[attr-defined]
    before = timezone.now()

    expires_at = stock_reserve(order_id=1, lines=[("BEANS", 1)])

    assert before + timedelta(minutes=5) <= expires_at <= timezone.now() + timedelta(minutes=5)
    assert Reservation.objects.get(order_id=1).expires_at == expires_at


def test_a_hold_asked_until_a_time_ends_then_but_never_after_the_ttl(
    shelf: None, settings: object
) -> None:
    settings.INVENTORY_RESERVATION_TTL = timedelta(minutes=5)  # type: ignore[attr-defined]
    sooner = timezone.now() + timedelta(minutes=2)
    later = timezone.now() + timedelta(minutes=30)

    assert stock_reserve(order_id=1, lines=[("BEANS", 1)], hold_until=sooner) == sooner
    capped = stock_reserve(order_id=2, lines=[("BEANS", 1)], hold_until=later)

    assert capped <= timezone.now() + timedelta(minutes=5)
    assert Reservation.objects.get(order_id=1).expires_at == sooner
    assert Reservation.objects.get(order_id=2).expires_at == capped


def test_duplicate_skus_are_merged_into_one_reservation(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2), ("CUP", 1), ("BEANS", 3)])

    assert stock("BEANS") == (10, 5)
    assert Reservation.objects.get(order_id=1, sku="BEANS").quantity == 5


def test_the_last_units_can_be_reserved_but_not_one_more(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("CUP", 3)])

    with pytest.raises(OutOfStock) as exc:
        stock_reserve(order_id=2, lines=[("CUP", 1)])

    assert exc.value.details == {"sku": "CUP", "requested": 1, "available": 0}
    assert stock("CUP") == (3, 3)


def test_a_short_second_line_rejects_the_whole_reservation_and_changes_nothing(
    shelf: None,
) -> None:
    before = snapshot()

    with pytest.raises(OutOfStock) as exc:
        stock_reserve(order_id=1, lines=[("BEANS", 2), ("CUP", 4)])

    assert exc.value.code == "out_of_stock"
    assert exc.value.details == {"sku": "CUP", "requested": 4, "available": 3}
    assert snapshot() == before


def test_a_short_line_counts_the_units_other_orders_hold(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 8)])
    before = snapshot()

    with pytest.raises(OutOfStock) as exc:
        stock_reserve(order_id=2, lines=[("BEANS", 3), ("CUP", 1)])

    assert exc.value.details == {"sku": "BEANS", "requested": 3, "available": 2}
    assert snapshot() == before


def test_an_unknown_sku_rejects_the_whole_reservation_and_changes_nothing(shelf: None) -> None:
    before = snapshot()

    with pytest.raises(SkuNotFound) as exc:
        stock_reserve(order_id=1, lines=[("BEANS", 1), ("NOPE", 1)])

    assert exc.value.details == {"sku": "NOPE"}
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [0, -1, -100, True, 1.5, "2", None])
def test_a_quantity_that_is_not_a_positive_integer_is_rejected_and_changes_nothing(
    shelf: None, quantity: object
) -> None:
    before = snapshot()

    with pytest.raises(InvalidReservation) as exc:
        stock_reserve(order_id=1, lines=[("BEANS", 1), ("CUP", quantity)])  # type: ignore[list-item]

    assert exc.value.code == "invalid_reservation"
    assert exc.value.details["sku"] == "CUP"
    assert snapshot() == before


def test_a_reservation_without_lines_is_rejected(shelf: None) -> None:
    before = snapshot()

    with pytest.raises(InvalidReservation):
        stock_reserve(order_id=1, lines=[])

    assert snapshot() == before


def test_retrying_the_same_reservation_returns_the_same_expiry_and_changes_nothing(
    shelf: None,
) -> None:
    expires_at = stock_reserve(order_id=1, lines=[("BEANS", 2), ("CUP", 1)])
    before = snapshot()

    again = stock_reserve(order_id=1, lines=[("CUP", 1), ("BEANS", 1), ("BEANS", 1)])

    assert again == expires_at
    assert snapshot() == before


def test_other_lines_for_an_order_that_already_reserved_are_rejected(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2)])
    before = snapshot()

    with pytest.raises(ReservationExists):
        stock_reserve(order_id=1, lines=[("BEANS", 3)])

    assert snapshot() == before


def test_reserving_again_after_a_release_is_rejected(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 2)])
    reservation_release(order_id=1)
    before = snapshot()

    with pytest.raises(ReservationExists):
        stock_reserve(order_id=1, lines=[("BEANS", 2)])

    assert snapshot() == before


# --- commit


def test_commit_takes_the_reserved_units_out_of_on_hand(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4), ("KETTLE", 1)])
    stock_reserve(order_id=2, lines=[("BEANS", 1)])

    reservation_commit(order_id=1)

    assert stock("BEANS") == (6, 1)
    assert stock("KETTLE") == (0, 0)
    assert _statuses(1) == {"BEANS": Status.COMMITTED, "KETTLE": Status.COMMITTED}
    assert _statuses(2) == {"BEANS": Status.ACTIVE}


def test_committing_twice_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    reservation_commit(order_id=1)
    before = snapshot()

    reservation_commit(order_id=1)

    assert snapshot() == before


def test_commit_of_an_expired_but_unswept_reservation_still_succeeds(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    Reservation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    reservation_commit(order_id=1)

    assert stock("BEANS") == (6, 0)


def test_commit_without_a_reservation_is_rejected(shelf: None) -> None:
    before = snapshot()

    with pytest.raises(ReservationNotFound):
        reservation_commit(order_id=404)

    assert snapshot() == before


def test_commit_of_a_released_reservation_is_rejected_and_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    reservation_release(order_id=1)
    before = snapshot()

    with pytest.raises(ReservationNotActive) as exc:
        reservation_commit(order_id=1)

    assert exc.value.code == "reservation_not_active"
    assert snapshot() == before


# --- release


def test_release_gives_the_units_back(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4), ("CUP", 2)])

    reservation_release(order_id=1)

    assert stock("BEANS") == (10, 0)
    assert stock("CUP") == (3, 0)
    assert _statuses(1) == {"BEANS": Status.RELEASED, "CUP": Status.RELEASED}


def test_releasing_twice_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    stock_reserve(order_id=2, lines=[("BEANS", 1)])
    reservation_release(order_id=1)
    before = snapshot()

    reservation_release(order_id=1)

    assert snapshot() == before
    assert stock("BEANS") == (10, 1)


def test_release_of_a_committed_order_or_an_unknown_order_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    reservation_commit(order_id=1)
    before = snapshot()

    reservation_release(order_id=1)
    reservation_release(order_id=404)

    assert snapshot() == before


# --- restock


def test_restock_returns_committed_units_to_on_hand(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4), ("KETTLE", 1)])
    reservation_commit(order_id=1)

    reservation_restock(order_id=1)

    assert stock("BEANS") == (10, 0)
    assert stock("KETTLE") == (1, 0)
    assert _statuses(1) == {"BEANS": Status.RESTOCKED, "KETTLE": Status.RESTOCKED}


def test_restocking_twice_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    reservation_commit(order_id=1)
    reservation_restock(order_id=1)
    before = snapshot()

    reservation_restock(order_id=1)
    reservation_commit(order_id=1)

    assert snapshot() == before


def test_restock_of_an_unpaid_or_unknown_order_changes_nothing(shelf: None) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    before = snapshot()

    reservation_restock(order_id=1)
    reservation_restock(order_id=404)

    assert snapshot() == before

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from monolith.inventory import interface
from monolith.inventory.interface import (
    Availability,
    InvalidReservation,
    OutOfStock,
    ReservationLine,
    SkuNotFound,
)
from monolith.inventory.models import StockItem
from monolith.inventory.tests.helpers import snapshot
from strangler.errors import Conflict, NotFound

pytestmark = pytest.mark.django_db


def test_set_stock_and_get_availability_return_frozen_dataclasses() -> None:
    assert interface.set_stock(sku="BEANS", on_hand=9) == Availability(
        sku="BEANS", on_hand=9, reserved=0, available=9
    )
    availability = interface.get_availability("BEANS")
    with pytest.raises(dataclasses.FrozenInstanceError):
        availability.on_hand = 0  # type: ignore[misc]


def test_get_availability_of_an_unknown_sku_raises_sku_not_found() -> None:
    with pytest.raises(SkuNotFound) as exc:
        interface.get_availability("NOPE")

    assert isinstance(exc.value, NotFound)
    assert (exc.value.code, exc.value.http_status) == ("sku_not_found", 404)


def test_the_full_lifecycle_through_the_interface() -> None:
    interface.set_stock(sku="BEANS", on_hand=10)
    interface.set_stock(sku="CUP", on_hand=2)

    expires_at = interface.reserve_stock(
        order_id=1, lines=[ReservationLine("BEANS", 3), ReservationLine("CUP", 2)]
    )
    assert isinstance(expires_at, datetime)
    assert interface.get_availability("CUP") == Availability("CUP", 2, 2, 0)

    interface.commit_reservation(order_id=1)
    assert interface.get_availability("BEANS") == Availability("BEANS", 7, 0, 7)

    interface.restock_order(order_id=1)
    assert interface.get_availability("BEANS") == Availability("BEANS", 10, 0, 10)

    interface.reserve_stock(order_id=2, lines=[ReservationLine("CUP", 1)])
    interface.release_reservation(order_id=2)
    assert interface.get_availability("CUP") == Availability("CUP", 2, 0, 2)


def test_reserve_stock_out_of_stock_is_a_conflict_with_details_and_changes_nothing() -> None:
    interface.set_stock(sku="BEANS", on_hand=10)
    interface.set_stock(sku="CUP", on_hand=1)
    before = snapshot()

    with pytest.raises(OutOfStock) as exc:
        interface.reserve_stock(
            order_id=1, lines=[ReservationLine("BEANS", 1), ReservationLine("CUP", 2)]
        )

    assert isinstance(exc.value, Conflict)
    assert (exc.value.code, exc.value.http_status) == ("out_of_stock", 409)
    assert exc.value.details == {"sku": "CUP", "requested": 2, "available": 1}
    assert snapshot() == before


def test_reserve_stock_rejects_a_zero_quantity() -> None:
    interface.set_stock(sku="BEANS", on_hand=10)

    with pytest.raises(InvalidReservation) as exc:
        interface.reserve_stock(order_id=1, lines=[ReservationLine("BEANS", 0)])

    assert exc.value.http_status == 422


def test_release_expired_reservations_is_exposed() -> None:
    interface.set_stock(sku="BEANS", on_hand=10)
    expires_at = interface.reserve_stock(order_id=5, lines=[ReservationLine("BEANS", 1)])

    assert interface.release_expired_reservations(now=expires_at) == [5]


def test_seed_demo_stock_is_idempotent() -> None:
    interface.seed_demo_stock(["A", "B"])
    before = snapshot()
    interface.seed_demo_stock(iter(["B", "A"]))

    assert snapshot() == before
    assert all(5 <= item.on_hand <= 120 for item in StockItem.objects.all())

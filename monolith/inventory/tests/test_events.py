"""Stage 2: inventory announces each step of a reservation as an integration event, in its
outbox, in the transaction that moved the stock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from monolith.inventory.adapters import NoEvents
from monolith.inventory.errors import OutOfStock
from monolith.inventory.models import Reservation, StockItem
from monolith.inventory.outbox.adapters import OutboxEvents
from monolith.inventory.outbox.models import OutboxMessage
from monolith.inventory.services import (
    reservation_commit,
    reservation_release,
    reservation_release_expired,
    reservation_restock,
    stock_reserve,
)
from monolith.inventory.tests.helpers import stock
from monolith.inventory.wiring import EVENTS
from strangler.composition import root
from strangler.events.schemas import published
from strangler.stages.manifest import STAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_events() -> Iterator[None]:
    with root.replaced(EVENTS, OutboxEvents()):
        yield


@pytest.fixture
def no_events() -> Iterator[None]:
    """Stages 0 and 1: nobody hears (the default of main is the latest stage's outbox)."""
    with root.replaced(EVENTS, NoEvents()):
        yield


@pytest.fixture
def shelf(make_stock: Callable[[str, int], StockItem]) -> None:
    make_stock("BEANS", 10)
    make_stock("CUP", 3)


def _types(order_id: int | None = None) -> list[str]:
    rows = OutboxMessage.objects.order_by("id")
    if order_id is not None:
        rows = rows.filter(aggregate_id=str(order_id))
    return list(rows.values_list("event_type", flat=True))


def _data(event_type: str, order_id: int = 1) -> dict[str, Any]:
    row = OutboxMessage.objects.get(event_type=event_type, aggregate_id=str(order_id))
    published.validate(row.payload)
    assert (row.aggregate_type, row.payload["source"]) == ("reservation", "monolith.inventory")
    data: dict[str, Any] = row.payload["data"]
    return data


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_reservation_writes_stock_reserved_with_its_lines_and_expiry(
    shelf: None, outbox_events: None
) -> None:
    expires_at = stock_reserve(order_id=1, lines=[("CUP", 3), ("BEANS", 4)])

    assert _types() == ["stock.reserved"]
    data = _data("stock.reserved")
    assert data["order_id"] == 1
    assert data["lines"] == [{"sku": "BEANS", "quantity": 4}, {"sku": "CUP", "quantity": 3}]
    assert _parse(data["expires_at"]) == expires_at
    assert _parse(data["reserved_at"]) < expires_at


def test_reserving_the_same_lines_again_announces_nothing_more(
    shelf: None, outbox_events: None
) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    stock_reserve(order_id=1, lines=[("BEANS", 4)])  # a retry: same expiry, no change

    assert _types() == ["stock.reserved"]


def test_a_reservation_that_fails_announces_nothing(shelf: None, outbox_events: None) -> None:
    with pytest.raises(OutOfStock):
        stock_reserve(order_id=1, lines=[("BEANS", 4), ("CUP", 4)])

    assert _types() == []
    assert stock("BEANS") == (10, 0)


def test_the_event_rolls_back_with_the_stock_change(shelf: None, outbox_events: None) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        stock_reserve(order_id=1, lines=[("BEANS", 4)])
        assert _types() == ["stock.reserved"]
        raise Boom

    assert _types() == []
    assert Reservation.objects.count() == 0
    assert stock("BEANS") == (10, 0)


def test_a_paid_order_is_committed_once_then_restocked_once_in_order(
    shelf: None, outbox_events: None
) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4), ("CUP", 1)])
    stock_reserve(order_id=2, lines=[("BEANS", 1)])

    reservation_commit(order_id=1)
    reservation_commit(order_id=1)  # idempotent: nothing moved, nothing announced
    reservation_restock(order_id=1)
    reservation_restock(order_id=1)

    assert _types(1) == ["stock.reserved", "stock.committed", "stock.restocked"]
    lines = [{"sku": "BEANS", "quantity": 4}, {"sku": "CUP", "quantity": 1}]
    assert _data("stock.committed")["lines"] == lines
    assert _data("stock.restocked")["lines"] == lines
    assert _types(2) == ["stock.reserved"]


def test_a_release_before_the_expiry_is_announced_as_cancelled(
    shelf: None, outbox_events: None
) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])

    reservation_release(order_id=1)
    reservation_release(order_id=1)

    assert _types() == ["stock.reserved", "stock.released"]
    data = _data("stock.released")
    assert (data["cause"], data["lines"]) == ("cancelled", [{"sku": "BEANS", "quantity": 4}])


def test_a_release_after_the_expiry_is_announced_as_expired(
    shelf: None, outbox_events: None
) -> None:
    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    stock_reserve(order_id=2, lines=[("CUP", 1)])
    Reservation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    reservation_release(order_id=1)  # the order expired and released it
    assert reservation_release_expired() == [2]  # the sweeper caught the other one

    assert _data("stock.released", order_id=1)["cause"] == "expired"
    assert _data("stock.released", order_id=2)["cause"] == "expired"
    assert _types() == ["stock.reserved", "stock.reserved", "stock.released", "stock.released"]


def test_stages_0_and_1_write_no_event_and_check_no_schema(
    shelf: None, no_events: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for stage in STAGES:
        if stage.number < 2:
            assert stage.settings_env["INVENTORY_EVENTS_ADAPTER"].endswith(".NoEvents")

    def no_schema_check(event: object) -> None:
        raise AssertionError("a schema was checked at a stage that publishes nothing")

    monkeypatch.setattr(published, "validate", no_schema_check)

    stock_reserve(order_id=1, lines=[("BEANS", 4)])
    reservation_commit(order_id=1)
    reservation_restock(order_id=1)
    stock_reserve(order_id=2, lines=[("CUP", 1)])
    reservation_release(order_id=2)

    assert stock("BEANS") == (10, 0)
    assert OutboxMessage.objects.count() == 0

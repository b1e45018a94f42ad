from __future__ import annotations

import itertools

import pytest

from monolith.orders import services
from monolith.orders.errors import InvalidOrderTransition
from monolith.orders.models import OrderStatus
from monolith.orders.states import TRANSITIONS, can_transition
from monolith.orders.tests.helpers import make_order

ALLOWED = {
    ("pending", "paid"),
    ("pending", "cancelled"),
    ("paid", "fulfilled"),
    ("paid", "cancelled"),
}


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(OrderStatus.values, repeat=2))
)
def test_the_state_table_allows_exactly_the_four_transitions(current: str, target: str) -> None:
    assert can_transition(current, target) is ((current, target) in ALLOWED)


def test_every_status_has_a_row_in_the_state_table() -> None:
    assert set(TRANSITIONS) == set(OrderStatus.values)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "fulfilled", "cancelled"])
def test_only_a_paid_order_can_be_fulfilled(status: str) -> None:
    order = make_order(status)

    with pytest.raises(InvalidOrderTransition) as excinfo:
        services.order_mark_fulfilled(order_id=order.pk)

    assert excinfo.value.code == "invalid_order_transition"
    assert excinfo.value.http_status == 409
    order.refresh_from_db()
    assert order.status == status
    assert order.fulfilled_at is None


@pytest.mark.django_db
def test_fulfilling_a_paid_order_stamps_the_time() -> None:
    order = make_order("paid")

    services.order_mark_fulfilled(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "fulfilled"
    assert order.fulfilled_at is not None

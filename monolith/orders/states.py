"""The order state machine: the ONE place that says which status may follow which."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from monolith.orders.errors import InvalidOrderTransition
from monolith.orders.models import Order, OrderStatus

TRANSITIONS: Mapping[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED, OrderStatus.CANCELLED}),
    OrderStatus.FULFILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

_TIMESTAMP_FIELD: Mapping[str, str] = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.FULFILLED: "fulfilled_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def ensure_transition(order: Order, target: str) -> None:
    if not can_transition(order.status, target):
        raise InvalidOrderTransition(
            f"An order that is {order.status} cannot become {target}.",
            order_id=order.pk,
            status=order.status,
            target=target,
        )


def apply_transition(order: Order, target: str, *, at: datetime) -> list[str]:
    """Move ``order`` to ``target`` in memory; return the fields to save."""
    ensure_transition(order, target)
    order.status = target
    field = _TIMESTAMP_FIELD[target]
    setattr(order, field, at)
    return ["status", field, "updated_at"]

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


def sources(target: str) -> frozenset[str]:
    """The statuses an order may be in to become ``target``."""
    return frozenset(status for status, targets in TRANSITIONS.items() if target in targets)


def transition_values(target: str, *, at: datetime) -> dict[str, object]:
    """The fields an order moving to ``target`` at ``at`` changes, with their new values (for
    a conditional UPDATE of the row; :func:`apply_transition` sets them in memory)."""
    return {"status": target, _TIMESTAMP_FIELD[target]: at, "updated_at": at}


def apply_transition(order: Order, target: str, *, at: datetime) -> list[str]:
    """Move ``order`` to ``target`` in memory; return the fields to save."""
    ensure_transition(order, target)
    values = transition_values(target, at=at)
    for field, value in values.items():
        setattr(order, field, value)
    return list(values)

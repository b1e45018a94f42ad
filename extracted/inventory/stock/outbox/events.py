"""The integration events the inventory service publishes about an order's reservation:
``stock.reserved``, ``stock.committed``, ``stock.released``, ``stock.restocked`` (the
monolith's, unchanged) and ``stock.commit_failed`` (schemas in ``strangler/contracts/events``).

Each is written to the outbox inside the transaction that moved the stock; the relay publishes
it after the commit. The aggregate is the order's reservation (keyed by order id), so an
order's ``stock.committed`` never overtakes its ``stock.reserved``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from extracted.inventory.stock.outbox.models import OutboxMessage
from strangler.events import Event, current_traceparent
from strangler.events.envelope import wire_time
from strangler.events.outbox import publish

if TYPE_CHECKING:
    from extracted.inventory.stock.models import Reservation

SOURCE = "inventory"
AGGREGATE = "reservation"

# Why held units went back to available: released before the hold ran out (the order was
# cancelled, its checkout abandoned) or at/after it (expired, or swept).
ReleaseCause = Literal["cancelled", "expired"]


def _lines(rows: Sequence[Reservation]) -> list[dict[str, Any]]:
    return [{"sku": r.sku, "quantity": r.quantity} for r in sorted(rows, key=lambda r: r.sku)]


def _publish(order_id: int, event_type: str, data: dict[str, Any]) -> OutboxMessage:
    event = Event(type=event_type, data=data, source=SOURCE, traceparent=current_traceparent())
    return publish(OutboxMessage, event, aggregate_type=AGGREGATE, aggregate_id=order_id)


def publish_stock_reserved(
    *, order_id: int, rows: Sequence[Reservation], at: datetime
) -> OutboxMessage:
    """``expires_at``: until when the units are held (every line of a reservation shares it)."""
    return _publish(
        order_id,
        "stock.reserved",
        {
            "order_id": order_id,
            "lines": _lines(rows),
            "expires_at": wire_time(min(r.expires_at for r in rows)),
            "reserved_at": wire_time(at),
        },
    )


def publish_stock_committed(
    *, order_id: int, rows: Sequence[Reservation], at: datetime
) -> OutboxMessage:
    return _publish(
        order_id,
        "stock.committed",
        {"order_id": order_id, "lines": _lines(rows), "committed_at": wire_time(at)},
    )


def publish_stock_released(
    *, order_id: int, rows: Sequence[Reservation], cause: ReleaseCause, at: datetime
) -> OutboxMessage:
    return _publish(
        order_id,
        "stock.released",
        {"order_id": order_id, "lines": _lines(rows), "cause": cause, "released_at": wire_time(at)},
    )


def publish_stock_restocked(
    *, order_id: int, rows: Sequence[Reservation], at: datetime
) -> OutboxMessage:
    return _publish(
        order_id,
        "stock.restocked",
        {"order_id": order_id, "lines": _lines(rows), "restocked_at": wire_time(at)},
    )


def publish_stock_commit_failed(
    *, order_id: int, lines: Sequence[tuple[str, int, int]], reason: str, at: datetime
) -> OutboxMessage:
    """A paid order whose units could not be taken: ``lines`` are ``(sku, quantity,
    available)``, every line of the order, sorted by SKU."""
    return _publish(
        order_id,
        "stock.commit_failed",
        {
            "order_id": order_id,
            "lines": [
                {"sku": sku, "quantity": quantity, "available": available}
                for sku, quantity, available in sorted(lines)
            ],
            "reason": reason,
            "failed_at": wire_time(at),
        },
    )

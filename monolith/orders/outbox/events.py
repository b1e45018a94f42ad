"""The integration events orders publishes: ``order.created``, ``order.paid``,
``order.cancelled`` (schemas in ``strangler/contracts/events``).

Each is built from the order inside the transaction that changed it and written to the
orders outbox there; the relay publishes it after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monolith.customers import interface as customers
from monolith.orders.models import Order, OrderLine
from monolith.orders.outbox.models import OutboxMessage
from monolith.orders.ports import CancelCause, Contact
from strangler.events import Event, current_traceparent
from strangler.events.envelope import wire_money, wire_time
from strangler.events.outbox import publish

SOURCE = "monolith.orders"
AGGREGATE = "order"


def _lines(lines: Sequence[OrderLine]) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": wire_money(line.unit_price),
        }
        for line in lines
    ]


def _publish(order: Order, event_type: str, data: dict[str, Any]) -> OutboxMessage:
    event = Event(type=event_type, data=data, source=SOURCE, traceparent=current_traceparent())
    return publish(OutboxMessage, event, aggregate_type=AGGREGATE, aggregate_id=order.pk)


def _contact(order: Order, contact: Contact | None) -> Contact:
    if contact is not None:
        return contact
    recipient = customers.get_recipient(order.customer_id)
    return Contact(email=recipient.email, full_name=recipient.full_name)


def publish_order_created(
    order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
) -> OutboxMessage:
    """Carries the recipient, as order.paid does: the "order received" e-mail needs it."""
    recipient = _contact(order, contact)
    return _publish(
        order,
        "order.created",
        {
            "order_id": order.pk,
            "customer_id": order.customer_id,
            "customer_email": recipient.email,
            "customer_name": recipient.full_name,
            "total": wire_money(order.total),
            "currency": order.currency,
            "lines": _lines(lines),
            "created_at": wire_time(order.created_at),
        },
    )


def publish_order_paid(
    order: Order, lines: Sequence[OrderLine], contact: Contact | None = None
) -> OutboxMessage:
    """Carries the recipient (event-carried state): consumers need not call customers back."""
    recipient = _contact(order, contact)
    return _publish(
        order,
        "order.paid",
        {
            "order_id": order.pk,
            "customer_id": order.customer_id,
            "customer_email": recipient.email,
            "customer_name": recipient.full_name,
            "payment_id": order.payment_id,
            "total": wire_money(order.total),
            "currency": order.currency,
            "lines": _lines(lines),
            "paid_at": wire_time(order.paid_at),
        },
    )


def publish_order_cancelled(
    order: Order, *, reason: str, cause: CancelCause, was_paid: bool
) -> OutboxMessage:
    try:
        email = customers.get_recipient(order.customer_id).email
    except customers.CustomerNotFound:
        email = ""
    return _publish(
        order,
        "order.cancelled",
        {
            "order_id": order.pk,
            "customer_id": order.customer_id,
            "customer_email": email,
            "reason": reason[:255],
            "cause": cause,
            "was_paid": was_paid,
            "cancelled_at": wire_time(order.cancelled_at),
        },
    )

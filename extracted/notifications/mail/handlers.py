"""The service's handler table: which order event makes which notification (and e-mail).

Each runs in the consumer's transaction, exactly once per event. The ``*_many`` forms take a
run of a batch at once (``Subscription.apply_many``): one read and one insert for all.
"""

from __future__ import annotations

from collections.abc import Sequence

from extracted.notifications.mail import services
from extracted.notifications.mail.models import Notification
from extracted.notifications.mail.services import NotificationDraft
from strangler.events import Event
from strangler.events.consumer import Subscription


def _draft(event: Event, kind: str, text: tuple[str, str]) -> NotificationDraft:
    """The notification of ``kind`` an order event makes, with its ``(subject, body)``."""
    subject, body = text
    return NotificationDraft(
        event_id=event.id,
        customer_id=event.data["customer_id"],
        order_id=event.data["order_id"],
        kind=kind,
        recipient=event.data["customer_email"],
        subject=subject,
        body=body,
    )


def _created(event: Event) -> NotificationDraft:
    data = event.data
    text = services.order_received_text(
        order_id=data["order_id"],
        total=data["total"],
        currency=data["currency"],
        lines=data["lines"],
    )
    return _draft(event, Notification.Kind.ORDER_RECEIVED, text)


def _paid(event: Event) -> NotificationDraft:
    data = event.data
    text = services.order_paid_text(
        order_id=data["order_id"],
        total=data["total"],
        currency=data["currency"],
        lines=data["lines"],
    )
    return _draft(event, Notification.Kind.ORDER_PAID, text)


def _cancelled(event: Event) -> NotificationDraft | None:
    data = event.data
    if data["cause"] == "checkout_failed":
        return None  # the customer saw the checkout fail; the monolith never e-mailed this
    text = services.order_cancelled_text(
        order_id=data["order_id"], reason=data["reason"], cause=data["cause"]
    )
    return _draft(event, Notification.Kind.ORDER_CANCELLED, text)


def on_orders_created(events: Sequence[Event]) -> None:
    services.notifications_create_and_send([_created(event) for event in events])


def on_order_created(event: Event) -> None:
    on_orders_created([event])


def on_orders_paid(events: Sequence[Event]) -> None:
    services.notifications_create_and_send([_paid(event) for event in events])


def on_order_paid(event: Event) -> None:
    on_orders_paid([event])


def on_orders_cancelled(events: Sequence[Event]) -> None:
    drafts = [draft for event in events if (draft := _cancelled(event)) is not None]
    if drafts:
        services.notifications_create_and_send(drafts)


def on_order_cancelled(event: Event) -> None:
    on_orders_cancelled([event])


# What the consumer runs for each event type; EVENTS_SUBSCRIBES in the settings binds the
# service's queue to exactly these types (strangler.service.consumer builds the consumer).
SUBSCRIPTIONS = (
    Subscription("order.created", apply=on_order_created, apply_many=on_orders_created),
    Subscription("order.paid", apply=on_order_paid, apply_many=on_orders_paid),
    Subscription("order.cancelled", apply=on_order_cancelled, apply_many=on_orders_cancelled),
)

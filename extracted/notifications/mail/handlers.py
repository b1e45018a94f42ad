"""The service's handler table: which order event makes which notification (and e-mail).

Each runs in the consumer's transaction, exactly once per event.
"""

from __future__ import annotations

from extracted.notifications.mail import services
from extracted.notifications.mail.models import Notification
from strangler.events import Event


def on_order_paid(event: Event) -> None:
    data = event.data
    subject, body = services.order_paid_text(
        order_id=data["order_id"],
        total=data["total"],
        currency=data["currency"],
        lines=data["lines"],
    )
    services.notification_create_and_send(
        event_id=event.id,
        customer_id=data["customer_id"],
        order_id=data["order_id"],
        kind=Notification.Kind.ORDER_PAID,
        recipient=data["customer_email"],
        subject=subject,
        body=body,
    )


def on_order_cancelled(event: Event) -> None:
    data = event.data
    if data["cause"] == "checkout_failed":
        return  # the customer saw the checkout fail; the monolith never e-mailed this either
    subject, body = services.order_cancelled_text(order_id=data["order_id"], reason=data["reason"])
    services.notification_create_and_send(
        event_id=event.id,
        customer_id=data["customer_id"],
        order_id=data["order_id"],
        kind=Notification.Kind.ORDER_CANCELLED,
        recipient=data["customer_email"],
        subject=subject,
        body=body,
    )

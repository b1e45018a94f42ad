"""Writes of the notifications service: a notification per order event, the e-mail once.

Everything runs inside the consumer's transaction, next to the ProcessedMessage row: a
redelivered event finds that row and does nothing, and a concurrent duplicate waits on its
unique key until the first delivery committed, so the e-mail goes out once. The message
carries the event id as its idempotency key (``Message-ID`` and ``X-Idempotency-Key``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from extracted.notifications.mail.models import Notification

logger = logging.getLogger(__name__)


def _money(amount: str, currency: str) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'))} {currency}"


def order_paid_text(
    *, order_id: int, total: str, currency: str, lines: Sequence[Mapping[str, Any]]
) -> tuple[str, str]:
    items = "\n".join(f"  {li['quantity']} x {li['name']} ({li['sku']})" for li in lines)
    body = (
        "Hello,\n\n"
        f"thank you for your order #{order_id}. We have received your payment.\n\n"
        f"{items}\n\n"
        f"Total: {_money(total, currency)}\n\n"
        "The shop\n"
    )
    return f"Your order #{order_id} is confirmed", body


def order_cancelled_text(*, order_id: int, reason: str) -> tuple[str, str]:
    body = (
        "Hello,\n\n"
        f"your order #{order_id} has been cancelled.\n\n"
        f"Reason: {reason}\n\n"
        "If you had paid for it, the payment is refunded.\n\n"
        "The shop\n"
    )
    return f"Your order #{order_id} was cancelled", body


def notification_create_and_send(
    *,
    event_id: str,
    customer_id: int,
    order_id: int,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
) -> Notification | None:
    """The notification of an order event and its e-mail, in the consumer's transaction.

    One per (order, kind): None when the order already has one (e.g. sent by the monolith
    before the hand-over, and backfilled). The e-mail is handed to the mail server before the
    row commits as ``sent``; if that fails the whole transaction rolls back and the consumer
    retries the event. A crash after the hand-off and before the commit sends it again on the
    redelivery, with the same idempotency key (the event id) for the provider to dedupe.
    """
    if Notification.objects.filter(order_id=order_id, kind=kind).exists():
        logger.info("order %s already has a %s notification; none added", order_id, kind)
        return None
    notification = Notification(
        event_id=event_id,
        customer_id=customer_id,
        order_id=order_id,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
    )
    if not recipient:
        notification.status = Notification.Status.FAILED
        notification.last_error = "no recipient address in the event"
        notification.save()
        return notification
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={
            "Message-ID": f"<{event_id}@notifications.shop>",
            "X-Idempotency-Key": str(event_id),
        },
    ).send()
    notification.status = Notification.Status.SENT
    notification.attempts = 1
    notification.sent_at = timezone.now()
    notification.save()
    return notification

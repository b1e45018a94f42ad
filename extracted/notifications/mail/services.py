"""Writes of the notifications service: a notification per order event, the e-mail once.

``notification_create_*`` run inside the consumer's transaction (with the ProcessedMessage
row). ``notification_send_for_event`` runs after that commit, on every delivery of the event:
it sends the e-mail only while the row is not ``sent`` (the row is locked meanwhile, so two
deliveries racing do not both send), and the message carries the event id as its
idempotency key (``Message-ID`` and ``X-Idempotency-Key``) for a mail provider that dedupes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from extracted.notifications.mail.models import Notification

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


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


def notification_create(
    *,
    event_id: str,
    customer_id: int,
    order_id: int,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
) -> Notification | None:
    """One notification per (order, kind); None when the order already has one (e.g. sent by
    the monolith before the hand-over, and backfilled)."""
    if Notification.objects.filter(order_id=order_id, kind=kind).exists():
        logger.info("order %s already has a %s notification; none added", order_id, kind)
        return None
    return Notification.objects.create(
        event_id=event_id,
        customer_id=customer_id,
        order_id=order_id,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
    )


def notification_send_for_event(*, event_id: str) -> Notification | None:
    """Send the e-mail of the event's notification unless it went out already.

    An SMTP or network error is recorded on the row (attempts, last_error) and re-raised, so
    the consumer retries the event; the row stays pending until a delivery succeeds.
    """
    pk: int | None = None
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update().filter(event_id=event_id).first()
            )
            if notification is None or notification.status != Notification.Status.PENDING:
                return notification
            pk = notification.pk
            if not notification.recipient:
                notification.status = Notification.Status.FAILED
                notification.last_error = "no recipient address in the event"
                notification.save(update_fields=["status", "last_error"])
                return notification
            EmailMultiAlternatives(
                subject=notification.subject,
                body=notification.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.recipient],
                headers={
                    "Message-ID": f"<{event_id}@notifications.shop>",
                    "X-Idempotency-Key": str(event_id),
                    "X-Notification-Id": str(notification.pk),
                },
            ).send()
            notification.status = Notification.Status.SENT
            notification.attempts += 1
            notification.last_error = ""
            notification.sent_at = timezone.now()
            notification.save(update_fields=["status", "attempts", "last_error", "sent_at"])
            return notification
    except Exception as exc:
        if pk is not None:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
            logger.warning("notification %s: sending failed: %s", pk, error)
            Notification.objects.filter(pk=pk, status=Notification.Status.PENDING).update(
                attempts=F("attempts") + 1, last_error=error
            )
        raise

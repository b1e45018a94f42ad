"""Writes of the notifications context: create a notification, send it (once), resend it.

The recipient's e-mail address is resolved when the message is SENT, not when the
notification is created: ``notify_*`` runs inside the caller's transaction (the payment of an
order), which must never fail or wait because the customers context is unavailable, and the
message goes to the address the customer has when it is sent. A customer that does not exist
marks the notification failed (no retry); the address used is kept in ``recipient``.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

# The one import of the customers context (tests patch ``services.get_recipient``).
from monolith.customers.interface import CustomerNotFound, get_recipient
from monolith.notifications.models import Notification

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


def _enqueue_send(notification_id: int) -> None:
    from monolith.notifications.tasks import send_notification

    send_notification.delay(notification_id)


def _notification_create(
    *, customer_id: int, order_id: int, kind: str, subject: str, body: str
) -> Notification:
    """One notification per (order, kind); the send task is enqueued only after the commit.

    Its one write is atomic on its own (the insert's savepoint): callers need no block of ours.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                customer_id=customer_id, order_id=order_id, kind=kind, subject=subject, body=body
            )
    except IntegrityError:  # it exists already (a repeated call, or a concurrent one first)
        return Notification.objects.get(order_id=order_id, kind=kind)
    # robust: a broker outage must not break the caller's committed work; the notification
    # stays pending and can be resent from the admin.
    transaction.on_commit(partial(_enqueue_send, notification.pk), robust=True)
    return notification


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(Decimal('0.01'))} {currency}"


def _items(lines: Sequence[tuple[str, str, int]]) -> str:
    return "\n".join(f"  {quantity} x {name} ({sku})" for sku, name, quantity in lines)


def notification_create_order_received(
    *,
    customer_id: int,
    order_id: int,
    total: Decimal,
    currency: str,
    lines: Sequence[tuple[str, str, int]],
) -> Notification:
    body = (
        "Hello,\n\n"
        f"we have received your order #{order_id}. We will write again once it is paid.\n\n"
        f"{_items(lines)}\n\n"
        f"Total: {_money(total, currency)}\n\n"
        "The shop\n"
    )
    return _notification_create(
        customer_id=customer_id,
        order_id=order_id,
        kind=Notification.Kind.ORDER_RECEIVED,
        subject=f"We have received your order #{order_id}",
        body=body,
    )


def notification_create_order_paid(
    *,
    customer_id: int,
    order_id: int,
    total: Decimal,
    currency: str,
    lines: Sequence[tuple[str, str, int]],
) -> Notification:
    body = (
        "Hello,\n\n"
        f"thank you for your order #{order_id}. We have received your payment.\n\n"
        f"{_items(lines)}\n\n"
        f"Total: {_money(total, currency)}\n\n"
        "The shop\n"
    )
    return _notification_create(
        customer_id=customer_id,
        order_id=order_id,
        kind=Notification.Kind.ORDER_PAID,
        subject=f"Your order #{order_id} is confirmed",
        body=body,
    )


def notification_create_order_cancelled(
    *, customer_id: int, order_id: int, reason: str
) -> Notification:
    body = (
        "Hello,\n\n"
        f"your order #{order_id} has been cancelled.\n\n"
        f"Reason: {reason}\n\n"
        "If you had paid for it, the payment is refunded.\n\n"
        "The shop\n"
    )
    return _notification_create(
        customer_id=customer_id,
        order_id=order_id,
        kind=Notification.Kind.ORDER_CANCELLED,
        subject=f"Your order #{order_id} was cancelled",
        body=body,
    )


def notification_send(*, notification_id: int, final_attempt: bool = True) -> Notification:
    """Send the e-mail at most once and mark the notification sent.

    The row is locked (select_for_update) while sending, so two workers running the same
    task do not both send: the second sees ``sent`` and does nothing. On an SMTP/network error
    the attempt is recorded and the error re-raised for the task to retry; after the final
    attempt the notification is ``failed`` with ``last_error``.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.select_for_update().get(pk=notification_id)
            if notification.status == Notification.Status.SENT:
                logger.info("notification %s already sent; not sending again", notification_id)
                return notification
            recipient = get_recipient(notification.customer_id)
            message = EmailMultiAlternatives(
                subject=notification.subject,
                body=notification.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[recipient.email],
                headers={"X-Notification-Id": str(notification.pk)},
            )
            message.send()
            notification.recipient = recipient.email
            notification.status = Notification.Status.SENT
            notification.attempts += 1
            notification.last_error = ""
            notification.sent_at = timezone.now()
            notification.save(
                update_fields=["recipient", "status", "attempts", "last_error", "sent_at"]
            )
            return notification
    except (OSError, smtplib.SMTPException) as exc:
        _notification_record_failure(notification_id=notification_id, exc=exc, final=final_attempt)
        raise
    except CustomerNotFound as exc:  # the customer is gone: retrying will not help
        _notification_record_failure(notification_id=notification_id, exc=exc, final=True)
        return Notification.objects.get(pk=notification_id)


def _notification_record_failure(*, notification_id: int, exc: Exception, final: bool) -> None:
    status = Notification.Status.FAILED if final else Notification.Status.PENDING
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    logger.warning("notification %s attempt failed (final=%s): %s", notification_id, final, error)
    Notification.objects.filter(pk=notification_id).exclude(status=Notification.Status.SENT).update(
        attempts=F("attempts") + 1, last_error=error, status=status
    )


@transaction.atomic
def notification_resend(*, notification_id: int) -> bool:
    """Put a failed notification back to pending and enqueue it after the commit.

    Returns False (and does nothing) unless the notification is failed.
    """
    notification = Notification.objects.select_for_update().get(pk=notification_id)
    if notification.status != Notification.Status.FAILED:
        return False
    notification.status = Notification.Status.PENDING
    notification.save(update_fields=["status"])
    transaction.on_commit(partial(_enqueue_send, notification.pk), robust=True)
    return True

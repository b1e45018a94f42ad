"""Writes of the notifications service: a notification per order event, the e-mail once.

Everything runs inside the consumer's transaction, next to the ProcessedMessage row: a
redelivered event finds that row and does nothing, and a concurrent duplicate waits on its
unique key until the first delivery committed, so the e-mail goes out once. The message
carries the event id as its idempotency key (``Message-ID`` and ``X-Idempotency-Key``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from extracted.notifications.mail.models import Notification

logger = logging.getLogger(__name__)


def _money(amount: str, currency: str) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'))} {currency}"


def _items(lines: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(f"  {li['quantity']} x {li['name']} ({li['sku']})" for li in lines)


def order_received_text(
    *, order_id: int, total: str, currency: str, lines: Sequence[Mapping[str, Any]]
) -> tuple[str, str]:
    body = (
        "Hello,\n\n"
        f"we have received your order #{order_id}. We will write again once it is paid.\n\n"
        f"{_items(lines)}\n\n"
        f"Total: {_money(total, currency)}\n\n"
        "The shop\n"
    )
    return f"We have received your order #{order_id}", body


def order_paid_text(
    *, order_id: int, total: str, currency: str, lines: Sequence[Mapping[str, Any]]
) -> tuple[str, str]:
    body = (
        "Hello,\n\n"
        f"thank you for your order #{order_id}. We have received your payment.\n\n"
        f"{_items(lines)}\n\n"
        f"Total: {_money(total, currency)}\n\n"
        "The shop\n"
    )
    return f"Your order #{order_id} is confirmed", body


def order_cancelled_text(*, order_id: int, reason: str, cause: str) -> tuple[str, str]:
    if cause == "stock_unavailable":  # paid, then the stock could not be handed over
        why = (
            f"your order #{order_id} has been cancelled because the stock ran out."
            "\n\n"
            f"Reason: {reason}\n\n"
            "Your payment is refunded.\n\n"
        )
    else:
        why = (
            f"your order #{order_id} has been cancelled.\n\n"
            f"Reason: {reason}\n\n"
            "If you had paid for it, the payment is refunded.\n\n"
        )
    return f"Your order #{order_id} was cancelled", f"Hello,\n\n{why}The shop\n"


@dataclass(frozen=True)
class NotificationDraft:
    """The notification (and e-mail) one order event asks for."""

    event_id: str
    customer_id: int
    order_id: int
    kind: str
    recipient: str
    subject: str
    body: str


def notifications_create_and_send(drafts: Sequence[NotificationDraft]) -> list[Notification]:
    """The notifications of order events and their e-mails, in the consumer's transaction.

    One per (order, kind): a draft adds nothing when its order already has one (e.g. sent by
    the monolith before the hand-over, and backfilled) or an earlier draft made it. Whatever
    the number of drafts, this costs one read, one insert and one mail connection.

    The e-mails are handed to the mail server before the rows commit as ``sent``; if that
    fails the whole transaction rolls back and the consumer retries the events. A crash after
    the hand-off and before the commit sends them again on the redelivery, with the same
    idempotency key (the event id) for the provider to dedupe.
    """
    taken = set(
        Notification.objects.filter(
            order_id__in={draft.order_id for draft in drafts},
            kind__in={draft.kind for draft in drafts},
        ).values_list("order_id", "kind")
    )
    now = timezone.now()
    notifications, messages = [], []
    for draft in drafts:
        if (draft.order_id, draft.kind) in taken:
            logger.info(
                "order %s already has a %s notification; none added", draft.order_id, draft.kind
            )
            continue
        taken.add((draft.order_id, draft.kind))
        notification = Notification(
            event_id=draft.event_id,
            customer_id=draft.customer_id,
            order_id=draft.order_id,
            kind=draft.kind,
            recipient=draft.recipient,
            subject=draft.subject,
            body=draft.body,
        )
        if draft.recipient:
            messages.append(_email(draft))
            notification.status = Notification.Status.SENT
            notification.attempts = 1
            notification.sent_at = now
        else:
            notification.status = Notification.Status.FAILED
            notification.last_error = "no recipient address in the event"
        notifications.append(notification)
    if messages:
        get_connection().send_messages(messages)
    return Notification.objects.bulk_create(notifications)


def _email(draft: NotificationDraft) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(
        subject=draft.subject,
        body=draft.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[draft.recipient],
        headers={
            "Message-ID": f"<{draft.event_id}@notifications.shop>",
            "X-Idempotency-Key": str(draft.event_id),
        },
    )

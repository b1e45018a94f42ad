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
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.utils import timezone

from extracted.notifications.mail.models import Notification

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock's first key: a customer's address (the second is the customer).
_ADDRESS_LOCK = 0xADD2E55


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
    """The notification (and e-mail) one order event asks for.

    ``recipient`` is None when the event carries no address (``order.created``): the
    customer's known address is used, and until one is known the notification waits.
    An empty ``recipient`` is an event that says the customer has none.
    """

    event_id: str
    customer_id: int
    order_id: int
    kind: str
    recipient: str | None
    subject: str
    body: str


WAITING_FOR_ADDRESS = "waiting for the customer's address: no event has carried it yet"


def notifications_create_and_send(drafts: Sequence[NotificationDraft]) -> list[Notification]:
    """The notifications of order events and their e-mails, in the consumer's transaction.

    One per (order, kind): a draft adds nothing when its order already has one (e.g. sent by
    the monolith before the hand-over, and backfilled) or an earlier draft made it. Whatever
    the number of drafts, this costs a few reads, one insert and one mail connection.

    A draft without an address goes to the address this service last wrote to for the
    customer (every ``order.paid`` and ``order.cancelled`` carries one); when none is known it
    is stored ``pending``, and the next event carrying that customer's address sends it.

    The e-mails are handed to the mail server before the rows commit as ``sent``; if that
    fails the whole transaction rolls back and the consumer retries the events. A crash after
    the hand-off and before the commit sends them again on the redelivery, with the same
    idempotency key (the event id) for the provider to dedupe.
    """
    _lock_customers({draft.customer_id for draft in drafts})
    taken = set(
        Notification.objects.filter(
            order_id__in={draft.order_id for draft in drafts},
            kind__in={draft.kind for draft in drafts},
        ).values_list("order_id", "kind")
    )
    carried = {d.customer_id: d.recipient for d in drafts if d.recipient}
    addresses = {**_known_addresses({d.customer_id for d in drafts} - carried.keys()), **carried}
    waiting = _waiting_for(carried)  # older than these drafts: their e-mails go first
    now = timezone.now()
    notifications, messages = [], [_email(notification) for notification in waiting]
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
            subject=draft.subject,
            body=draft.body,
        )
        recipient = (
            draft.recipient if draft.recipient is not None else addresses.get(draft.customer_id)
        )
        if recipient:
            notification.recipient = recipient
            messages.append(_email(notification))
            _mark_sent(notification, now)
        elif recipient is None:
            notification.status = Notification.Status.PENDING
            notification.last_error = WAITING_FOR_ADDRESS
        else:
            notification.status = Notification.Status.FAILED
            notification.last_error = "no recipient address in the event"
        notifications.append(notification)
    if messages:
        get_connection().send_messages(messages)
    if waiting:
        for notification in waiting:
            _mark_sent(notification, now)
        Notification.objects.bulk_update(
            waiting, ["recipient", "status", "attempts", "last_error", "sent_at"]
        )
    return Notification.objects.bulk_create(notifications)


def _lock_customers(customer_ids: set[int]) -> None:
    """Hold these customers until the commit (PostgreSQL; SQLite runs one writer at a time).

    Without it a draft that finds no address and the event that carries one, applied by two
    workers at once, would each miss the other's uncommitted row: the notification would wait
    for an address that already came. The second now waits, then reads what the first wrote.
    """
    if connection.vendor != "postgresql" or not customer_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(  # in order: two workers never wait on each other in a circle
            "SELECT pg_advisory_xact_lock(%s, (customer %% 2147483647)::int) "
            "FROM unnest(%s::bigint[]) AS customer ORDER BY customer",
            [_ADDRESS_LOCK, sorted(customer_ids)],
        )


def _known_addresses(customer_ids: set[int]) -> dict[int, str]:
    """The address each customer's latest e-mail from this service went to."""
    if not customer_ids:
        return {}
    rows = (
        Notification.objects.filter(customer_id__in=customer_ids, status=Notification.Status.SENT)
        .exclude(recipient="")
        .order_by("customer_id", "-sent_at", "-id")
        .values_list("customer_id", "recipient")
    )
    known: dict[int, str] = {}
    for customer_id, recipient in rows:
        known.setdefault(customer_id, recipient)
    return known


def _waiting_for(addresses: Mapping[int, str]) -> list[Notification]:
    """The notifications waiting for an address these customers' events now carry (locked:
    a concurrent batch with the same customer waits, then finds them sent)."""
    if not addresses:
        return []
    waiting = list(
        Notification.objects.select_for_update()
        .filter(
            customer_id__in=addresses,
            status=Notification.Status.PENDING,
            recipient="",
            origin=Notification.Origin.EVENT,
        )
        .order_by("id")
    )
    for notification in waiting:
        notification.recipient = addresses[notification.customer_id]
    return waiting


def _mark_sent(notification: Notification, now: datetime) -> None:
    notification.status = Notification.Status.SENT
    notification.attempts += 1
    notification.last_error = ""
    notification.sent_at = now


def _email(notification: Notification) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={
            "Message-ID": f"<{notification.event_id}@notifications.shop>",
            "X-Idempotency-Key": str(notification.event_id),
        },
    )

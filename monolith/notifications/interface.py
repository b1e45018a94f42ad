"""The published interface of notifications: the only module other contexts may import."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from monolith.notifications import selectors, services
from monolith.notifications.results import NotificationInfo

__all__ = [
    "NotificationInfo",
    "notify_order_cancelled",
    "notify_order_paid",
    "notify_order_received",
]


def notify_order_received(
    *,
    customer_id: int,
    order_id: int,
    total: Decimal,
    currency: str,
    lines: Sequence[tuple[str, str, int]],
) -> NotificationInfo:
    """Tell the customer the order is placed (same delivery rules as notify_order_paid)."""
    notification = services.notification_create_order_received(
        customer_id=customer_id, order_id=order_id, total=total, currency=currency, lines=lines
    )
    return selectors.notification_to_info(notification)


def notify_order_paid(
    *,
    customer_id: int,
    order_id: int,
    total: Decimal,
    currency: str,
    lines: Sequence[tuple[str, str, int]],
) -> NotificationInfo:
    """Tell the customer the order is paid. ``lines`` are ``(sku, name, quantity)``.

    The notification row is written in the caller's transaction; the e-mail is enqueued with
    ``transaction.on_commit`` (never before the commit). One per order: a second call returns
    the first notification.
    """
    notification = services.notification_create_order_paid(
        customer_id=customer_id, order_id=order_id, total=total, currency=currency, lines=lines
    )
    return selectors.notification_to_info(notification)


def notify_order_cancelled(*, customer_id: int, order_id: int, reason: str) -> NotificationInfo:
    """Tell the customer the order was cancelled (same delivery rules as notify_order_paid)."""
    notification = services.notification_create_order_cancelled(
        customer_id=customer_id, order_id=order_id, reason=reason
    )
    return selectors.notification_to_info(notification)

"""Reads of the notifications service (the same as the monolith's, so the API is the same)."""

from __future__ import annotations

from django.db.models import QuerySet

from extracted.notifications.mail.errors import NotificationNotFound
from extracted.notifications.mail.models import Notification


def notification_list_for_customer(
    *, customer_id: int, order_id: int | None = None
) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(customer_id=customer_id)
    if order_id is not None:
        notifications = notifications.filter(order_id=order_id)
    return notifications.order_by("-created_at", "-id")


def notification_get_for_customer(*, customer_id: int, notification_id: int) -> Notification:
    """The customer's notification; raises NotificationNotFound (also for another's)."""
    notification = (
        notification_list_for_customer(customer_id=customer_id).filter(pk=notification_id).first()
    )
    if notification is None:
        raise NotificationNotFound("Notification not found.", notification_id=notification_id)
    return notification

"""Notifications in the admin: filter, search, resend the failed ones; sent ones are history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from monolith.notifications import services
from monolith.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "customer_id",
        "order_id",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("recipient", "=order_id", "=customer_id", "subject")
    date_hierarchy = "created_at"
    # Only the text of a message that has not gone out yet may be corrected.
    readonly_fields = (
        "customer_id",
        "order_id",
        "kind",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    actions = ["resend_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notifications are created by the shop's events only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == Notification.Status.SENT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == Notification.Status.SENT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete sent (history) rows in bulk
        return actions

    @admin.action(description="Resend failed notifications", permissions=["change"])
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
        resent = sum(services.notification_resend(notification_id=pk) for pk in ids)
        skipped = queryset.count() - resent
        self.message_user(
            request,
            f"{resent} failed notification(s) queued for sending; {skipped} skipped (not failed).",
            messages.SUCCESS if resent else messages.WARNING,
        )

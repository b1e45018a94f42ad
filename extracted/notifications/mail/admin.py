"""Notifications in the service's admin: filter by status, kind, origin; sent ones are history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from extracted.notifications.mail.models import Notification


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
        "origin",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "origin", "created_at")
    search_fields = ("recipient", "=order_id", "=customer_id", "=event_id", "subject")
    date_hierarchy = "created_at"
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
        "event_id",
        "origin",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notifications come from events (or the hand-over) only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == Notification.Status.SENT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

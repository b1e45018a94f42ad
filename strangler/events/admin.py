"""Admin for the events tables: processed messages (history), dead letters (replayable), and
a base class producers use for their outbox."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from strangler.admin import ReadOnlyAdminMixin
from strangler.events.models import DeadLetter, ProcessedMessage


class OutboxAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Register a producer's outbox with it: what was written, what is still unsent, errors."""

    list_display = (
        "id",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
    )
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "event_type", "created_at")
    search_fields = ("=event_id", "=aggregate_id", "event_type")
    date_hierarchy = "created_at"


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "consumer", "event_type", "event_id", "processed_at")
    list_filter = ("consumer", "event_type", "processed_at")
    search_fields = ("=event_id",)
    date_hierarchy = "processed_at"


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("id", "consumer", "event_type", "event_id", "retries", "created_at")
    list_filter = ("consumer", "event_type", ("replayed_at", admin.EmptyFieldListFilter))
    search_fields = ("=event_id", "error")
    readonly_fields = (
        "consumer",
        "event_id",
        "event_type",
        "envelope",
        "error",
        "retries",
        "created_at",
        "replayed_at",
    )
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay on the consumer's queue (after a fix)")
    def replay(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        from celery import current_app

        from strangler.events.wiring import configured_consumer

        count = configured_consumer().replay(current_app, queryset.filter(replayed_at=None))
        self.message_user(request, f"{count} event(s) put back on the queue.", messages.SUCCESS)

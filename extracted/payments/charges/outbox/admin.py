"""The payments outbox in the admin: read-only, like every outbox."""

from __future__ import annotations

from django.contrib import admin

from extracted.payments.charges.outbox.models import OutboxMessage
from strangler.events.admin import OutboxAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OutboxAdmin):
    """The payments outbox: events written with each attempt or refund; unsent ones wait
    for the relay."""

"""The orders outbox in the admin: read-only, like every outbox."""

from __future__ import annotations

from django.contrib import admin

from monolith.orders.outbox.models import OutboxMessage
from strangler.events.admin import OutboxAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OutboxAdmin):
    """The orders outbox: events written with each change; unsent ones wait for the relay."""

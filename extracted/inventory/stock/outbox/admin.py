"""The inventory outbox in the admin: read-only, like every outbox."""

from __future__ import annotations

from django.contrib import admin

from extracted.inventory.stock.outbox.models import OutboxMessage
from strangler.events.admin import OutboxAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OutboxAdmin):
    """The inventory outbox: events written with each stock move; unsent ones wait for the
    relay."""

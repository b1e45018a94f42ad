"""Credentials in the service's admin: the admin role granted or revoked, an account
deactivated; the e-mail and the password hash are read-only (the monolith registers them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from extracted.identity.accounts.models import Credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ("customer_id", "email", "is_admin", "is_active", "last_login_at", "created_at")
    list_filter = ("is_admin", "is_active")
    search_fields = ("email", "=customer_id")
    ordering = ("-created_at",)
    fields = (
        "customer_id", "email", "is_admin", "is_active", "last_login_at", "created_at",
        "updated_at",
    )  # fmt: skip
    readonly_fields = ("customer_id", "email", "last_login_at", "created_at", "updated_at")
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # credentials are created at registration, through the monolith

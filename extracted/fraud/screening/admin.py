"""The assessments in the service's admin: read-only, each one is the answer a payment attempt
was given."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from extracted.fraud.screening.models import Assessment
from strangler.admin import ReadOnlyAdminMixin


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "attempt_key", "customer_id", "order_id", "amount", "currency", "decision",
        "reasons_shown", "attempts_in_window", "order_declines", "created_at",
    )  # fmt: skip
    list_filter = ("decision", "created_at")
    search_fields = ("attempt_key", "=order_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Assessment | None = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    @admin.display(description="reasons")
    def reasons_shown(self, obj: Assessment) -> str:
        return ", ".join(obj.reasons) or "-"

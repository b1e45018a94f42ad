from django.contrib import admin

from strangler.admin import ReadOnlyAdminMixin
from strangler.idempotency.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "scope", "state", "status_code", "created_at", "completed_at")
    list_filter = ("state", "status_code")
    search_fields = ("key", "scope")
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

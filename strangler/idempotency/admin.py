from django.contrib import admin

from strangler.idempotency.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("key", "scope", "state", "status_code", "created_at", "completed_at")
    list_filter = ("state", "status_code")
    search_fields = ("key", "scope")
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

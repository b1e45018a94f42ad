"""Stock and reservations in the service's admin (the monolith's pages), and the holds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest

from extracted.inventory.stock import services
from extracted.inventory.stock.models import Hold, Reservation, StockItem
from strangler.admin import ReadOnlyAdminMixin

LOW_STOCK_THRESHOLD = 10


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("out", "Out of stock (0 available)"),
            ("low", f"Low (1-{LOW_STOCK_THRESHOLD} available)"),
            ("ok", f"In stock (over {LOW_STOCK_THRESHOLD})"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[StockItem]) -> QuerySet[StockItem]:
        qs = queryset.annotate(_available=F("on_hand") - F("reserved"))
        if self.value() == "out":
            return qs.filter(_available__lte=0)
        if self.value() == "low":
            return qs.filter(_available__gte=1, _available__lte=LOW_STOCK_THRESHOLD)
        if self.value() == "ok":
            return qs.filter(_available__gt=LOW_STOCK_THRESHOLD)
        return queryset


class StockItemForm(forms.ModelForm):
    class Meta:
        model = StockItem
        fields = ("sku", "on_hand")

    def clean_on_hand(self) -> int:
        on_hand: int = self.cleaned_data["on_hand"]
        if on_hand < 0:
            raise forms.ValidationError("on_hand cannot be negative.")
        if self.instance.pk and on_hand < self.instance.reserved:
            raise forms.ValidationError(
                f"{self.instance.reserved} unit(s) are reserved; on_hand cannot go below that."
            )
        return on_hand


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    form = StockItemForm
    list_display = ("sku", "on_hand", "reserved", "available", "updated_at")
    search_fields = ("sku",)
    list_filter = (StockLevelFilter,)
    readonly_fields = ("reserved", "available", "updated_at")
    ordering = ("sku",)
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: StockItem | None = None) -> Any:
        # The SKU ties reservations to the row: it cannot change once created.
        return (*self.readonly_fields, "sku") if obj else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockItem]:
        return super().get_queryset(request).annotate(_available=F("on_hand") - F("reserved"))

    @admin.display(description="available", ordering="_available")
    def available(self, obj: StockItem) -> int:
        return obj.available

    def save_model(self, request: HttpRequest, obj: StockItem, form: Any, change: bool) -> None:
        # Through the service: only on_hand is written, so a stale form never overwrites the
        # reserved count that checkouts change concurrently.
        saved = services.stock_set(sku=obj.sku, on_hand=obj.on_hand)
        obj.pk, obj.reserved, obj.updated_at = saved.pk, saved.reserved, saved.updated_at

    def has_delete_permission(self, request: HttpRequest, obj: StockItem | None = None) -> bool:
        return False  # set on_hand to 0 instead: reservations refer to the SKU


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order_id", "sku", "quantity", "status", "expires_at", "created_at")
    list_filter = ("status", "expires_at", "created_at")
    search_fields = ("=order_id", "sku")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Reservation | None = None) -> Any:
        return [f.name for f in self.model._meta.fields]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order_id", "created_at", "confirmed_at", "released_at", "cancelled_at")
    list_filter = ("created_at", "confirmed_at", "released_at", "cancelled_at")
    search_fields = ("=order_id",)
    ordering = ("-created_at",)
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Hold | None = None) -> Any:
        return [f.name for f in self.model._meta.fields]

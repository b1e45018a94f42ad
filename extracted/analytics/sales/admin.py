"""The figures and the facts behind them in the service's admin: read-only, they come from
events alone."""

from __future__ import annotations

from django.contrib import admin

from extracted.analytics.sales.models import (
    Cancellation,
    DailySales,
    PlacedOrder,
    ProductDailySales,
    Sale,
    SaleLine,
)
from strangler.admin import ReadOnlyAdminMixin


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


@admin.register(DailySales)
class DailySalesAdmin(ReadOnlyAdmin):
    list_display = (
        "day", "currency", "orders", "revenue", "cancelled_orders", "cancelled_revenue",
        "updated_at",
    )  # fmt: skip
    list_filter = ("currency", "day")
    date_hierarchy = "day"


@admin.register(ProductDailySales)
class ProductDailySalesAdmin(ReadOnlyAdmin):
    list_display = ("day", "sku", "name", "currency", "units", "revenue", "cancelled_units")
    list_filter = ("currency", "day")
    search_fields = ("sku", "name")
    date_hierarchy = "day"


class SaleLineInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = SaleLine
    extra = 0
    fields = ("sku", "name", "quantity", "unit_price", "revenue")


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "day", "currency", "total", "paid_at", "cancelled_at")
    list_filter = ("currency", "day", ("cancelled_at", admin.EmptyFieldListFilter))
    search_fields = ("=order_id", "=event_id")
    date_hierarchy = "day"
    inlines = (SaleLineInline,)


@admin.register(SaleLine)
class SaleLineAdmin(ReadOnlyAdmin):
    list_display = ("sale", "sku", "name", "quantity", "unit_price", "revenue")
    search_fields = ("sku", "name", "=sale__order_id")
    list_select_related = ("sale",)


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "cancelled_at", "reason")
    search_fields = ("=order_id", "=event_id", "reason")
    date_hierarchy = "cancelled_at"


@admin.register(PlacedOrder)
class PlacedOrderAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "day", "created_at")
    search_fields = ("=order_id", "=event_id")
    date_hierarchy = "day"

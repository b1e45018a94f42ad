"""Admin: orders are history (read-only, status changes only through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from monolith.orders import services
from monolith.orders.models import Cart, CartItem, Order, OrderLine, OwedRefund
from strangler.admin import ReadOnlyAdminMixin
from strangler.errors import DomainError


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderLine
    fields = ("sku", "name", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "customer_id", "status", "total", "currency", "created_at", "paid_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "=customer_id"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    actions = ["mark_fulfilled"]
    readonly_fields = [f.name for f in Order._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Mark selected paid orders as fulfilled")
    def mark_fulfilled(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done, refused = 0, []
        for order_id in queryset.values_list("pk", flat=True):
            try:
                services.order_mark_fulfilled(order_id=order_id)
                done += 1
            except DomainError as exc:
                refused.append(f"#{order_id}: {exc.message}")
        if done:
            self.message_user(request, f"{done} order(s) marked fulfilled.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not changed: " + "; ".join(refused), messages.WARNING)


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "sku", "name", "unit_price", "quantity", "line_total"]
    list_filter = ["order__status"]
    search_fields = ["sku", "name", "=order__id"]
    list_select_related = ["order"]


class CartItemInline(admin.TabularInline):
    model = CartItem
    fields = ["sku", "quantity", "added_at"]
    readonly_fields = ["added_at"]
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "customer_id", "created_at", "updated_at"]
    list_filter = ["updated_at"]
    search_fields = ["=customer_id"]
    inlines = [CartItemInline]


@admin.register(CartItem)
class CartItemAdmin(admin.ModelAdmin):
    list_display = ["cart", "sku", "quantity", "added_at"]
    list_filter = ["added_at"]
    search_fields = ["sku", "=cart__customer_id"]
    list_select_related = ["cart"]


class RefundStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("owed", "owed"), ("refused", "refused by payments"), ("settled", "settled")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OwedRefund]) -> QuerySet[Any]:
        open_ = {"settled_at__isnull": True}
        return {
            "owed": queryset.filter(**open_, refused_at__isnull=True),
            "refused": queryset.filter(**open_, refused_at__isnull=False),
            "settled": queryset.filter(settled_at__isnull=False),
        }.get(self.value() or "", queryset)


@admin.register(OwedRefund)
class OwedRefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the shop owes its customers: a refund still owed after payments was down for hours,
    or refused by it, is here for a person to read and ask again."""

    list_display = ["order", "state", "reason", "owed_since", "attempts", "last_error", "outcome"]
    list_filter = [RefundStateFilter]
    search_fields = ["=order__id"]
    list_select_related = ["order"]
    actions = ["ask_again"]

    @admin.display(description="state")
    def state(self, refund: OwedRefund) -> str:
        if refund.settled_at is not None:
            return "settled"
        return "refused by payments" if refund.refused_at is not None else "owed"

    @admin.action(description="Ask payments again for the selected refunds")
    def ask_again(self, request: HttpRequest, queryset: QuerySet[OwedRefund]) -> None:
        settled, failed = 0, []
        for order_id in queryset.filter(settled_at__isnull=True).values_list("order_id", flat=True):
            try:
                settled += services.refund_ask_again(order_id=order_id)
            except DomainError as exc:
                failed.append(f"order {order_id}: {exc.message}")
        if settled:
            self.message_user(request, f"{settled} refund(s) settled.", messages.SUCCESS)
        if failed:
            self.message_user(request, "Still owed: " + "; ".join(failed), messages.WARNING)

"""Payments in the admin: attempts and refunds are history, so everything is read-only."""

from __future__ import annotations

from django.contrib import admin

from extracted.payments.charges.models import Payment, Refund
from strangler.admin import ReadOnlyAdminMixin


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ("amount", "reason", "processor_reference", "created_at")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "order_id",
        "customer_id",
        "amount",
        "currency",
        "status",
        "decline_reasons",
        "card_brand",
        "card_last4",
        "created_at",
    )
    list_filter = ("status", "currency", "created_at")
    search_fields = ("=id", "=order_id", "=customer_id", "processor_reference")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "payment", "amount", "reason", "created_at")
    list_filter = ("created_at",)
    search_fields = ("=payment__id", "=payment__order_id", "reason")
    readonly_fields = [f.name for f in Refund._meta.fields]

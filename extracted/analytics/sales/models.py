"""Sales facts (one row per paid order and its lines) and the figures computed from them;
the orders placed (one row per ``order.created``, paid or not), counted per day when read.

The facts are what the events said; the figures (per day, per product and day) are derived
from the facts of a day and rewritten whole whenever that day's facts change, so a figure
never depends on how often or in which order the events arrived.

A sale's day is the UTC date it was paid. A cancelled sale stays in its day (as cancelled):
the day's ``revenue`` is net of it, ``cancelled_revenue`` says how much was taken back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


class Sale(models.Model):
    """A paid order, from its ``order.paid`` event."""

    order_id = models.BigIntegerField(unique=True)
    day = models.DateField(help_text="The UTC date the order was paid.")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="The order's total as paid."
    )
    paid_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    event_id = models.UUIDField(unique=True, help_text="The order.paid event.")

    class Meta:
        ordering = ["-paid_at", "-id"]
        indexes = [models.Index(fields=["day", "currency"], name="analytics_sale_day")]

    def __str__(self) -> str:
        return f"Sale of order {self.order_id}: {self.total} {self.currency} on {self.day}"


class PlacedOrder(models.Model):
    """An order placed, from its ``order.created`` event, whether it is paid later or not."""

    order_id = models.BigIntegerField(unique=True)
    day = models.DateField(help_text="The UTC date the order was placed.")
    created_at = models.DateTimeField()
    event_id = models.UUIDField(unique=True, help_text="The order.created event.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["day"], name="analytics_placed_day")]

    def __str__(self) -> str:
        return f"Order {self.order_id} placed on {self.day}"


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    revenue = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="quantity x unit price"
    )

    class Meta:
        ordering = ["sale_id", "id"]
        indexes = [models.Index(fields=["sku"], name="analytics_line_sku")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku} (order {self.sale.order_id})"


class Cancellation(models.Model):
    """A paid order's cancellation, from ``order.cancelled`` with ``was_paid``.

    Kept apart from the sale because it may arrive first: the embedded broker keeps no
    delivery order, and a retried ``order.paid`` can come after its cancellation anywhere.
    """

    order_id = models.BigIntegerField(unique=True)
    cancelled_at = models.DateTimeField()
    reason = models.CharField(max_length=255, blank=True)
    event_id = models.UUIDField(unique=True, help_text="The order.cancelled event.")

    class Meta:
        ordering = ["-cancelled_at", "-id"]

    def __str__(self) -> str:
        return f"Cancellation of order {self.order_id}"


class DailySales(models.Model):
    """One day's figures in one currency."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0, help_text="Paid orders not cancelled.")
    revenue = models.DecimalField(
        max_digits=14, decimal_places=2, default=ZERO, help_text="Their totals."
    )
    cancelled_orders = models.PositiveIntegerField(default=0)
    cancelled_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "currency"]
        verbose_name_plural = "daily sales"
        constraints = [
            models.UniqueConstraint(fields=["day", "currency"], name="analytics_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.orders} orders, {self.revenue}"


class ProductDailySales(models.Model):
    """One product's figures on one day in one currency."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    units = models.PositiveIntegerField(default=0, help_text="Units in orders not cancelled.")
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    cancelled_units = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "-revenue", "sku"]
        verbose_name_plural = "product daily sales"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "sku", "currency"], name="analytics_one_row_per_product_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.sku}: {self.units} units, {self.revenue} {self.currency}"

"""Carts and orders. Other contexts are referenced by plain ids and SKUs, never by FK."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Cart(models.Model):
    customer_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart of customer {self.customer_id}"


class CartItem(models.Model):
    MAX_QUANTITY = 100

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="orders_cartitem_quantity_gte_1"
            ),
            models.UniqueConstraint(fields=["cart", "sku"], name="orders_cartitem_unique_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class Order(models.Model):
    Status = OrderStatus

    customer_id = models.BigIntegerField(db_index=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default="pending")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    # The shipping address as it was at checkout (the customer may edit or delete it later).
    shipping_name = models.CharField(max_length=200)
    shipping_line1 = models.CharField(max_length=200)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100)
    shipping_postal_code = models.CharField(max_length=20)
    shipping_country = models.CharField(max_length=2)
    payment_id = models.BigIntegerField(null=True, blank=True, help_text="Approved payment.")
    reservation_expires_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-created_at"], name="orders_customer_recent"),
            models.Index(fields=["status", "reservation_expires_at"], name="orders_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="orders_order_total_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="orders_orderline_quantity_gte_1"
            ),
            models.UniqueConstraint(fields=["order", "sku"], name="orders_orderline_unique_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku} @ {self.unit_price}"

    @staticmethod
    def total_for(unit_price: Decimal, quantity: int) -> Decimal:
        return (unit_price * quantity).quantize(Decimal("0.01"))

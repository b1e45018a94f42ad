"""Carts and orders. Other contexts are referenced by plain ids and SKUs, never by FK."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone


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


class OwedRefund(models.Model):
    """A refund the orders context owes a customer, written before payments is asked for it.

    A checkout that gave up on a charge, and an approval that reached a cancelled order, owe
    the money back. Payments may not answer for hours, and a queued task can be lost with its
    broker, so the debt lives here until payments answers (``settled_at``). A worker asks again
    until then; a person reads what is still owed, or was refused, in the admin.
    """

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="owed_refund")
    reason = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    # set again when the order owes a refund again (a payment approved after the first one was
    # settled): an answer to an earlier ask never settles the newer debt
    owed_since = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text="Times payments was asked.")
    last_error = models.CharField(max_length=500, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True, help_text="What payments answered.")
    refused_at = models.DateTimeField(
        null=True, blank=True, help_text="Payments refused it: nobody asks again unless told to."
    )

    class Meta:
        ordering = ["owed_since", "id"]
        indexes = [
            models.Index(
                fields=["owed_since"],
                condition=models.Q(settled_at__isnull=True, refused_at__isnull=True),
                name="orders_refund_owed",
            )
        ]

    def __str__(self) -> str:
        return f"Refund of order {self.order_id}"

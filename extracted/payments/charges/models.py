"""Payments: one row per charge attempt (approved or declined), and the refunds of approved ones.

Attempts are history: a row is written once and only its status moves (approved -> refunded).
The tables are the monolith's (app label ``payments``: ``payments_payment``,
``payments_refund``), so the hand-over copies them column for column; the ids this service
issues start at ``strangler.service.ids.SERVICE_ID_FLOOR`` (migration 0002). The integration
events it publishes have their own app and table: ``extracted.payments.charges.outbox``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Payment(models.Model):
    class Status(models.TextChoices):
        APPROVED = "approved"
        DECLINED = "declined"
        REFUNDED = "refunded"

    order_id = models.BigIntegerField(help_text="The order this attempt pays (orders context).")
    customer_id = models.BigIntegerField(help_text="The paying customer (customers context).")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, choices=Status.choices)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    decline_reasons = models.JSONField(default=list, blank=True)
    processor_reference = models.CharField(
        max_length=64, blank=True, help_text="The card processor's id of the charge."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "created_at"], name="payments_customer_created"),
            models.Index(fields=["order_id"], name="payments_order"),
        ]
        constraints = [
            # An order is paid at most once: a second approval (a race) fails to insert.
            models.UniqueConstraint(
                fields=["order_id"],
                condition=Q(status__in=["approved", "refunded"]),
                name="payments_one_successful_payment_per_order",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} of order {self.order_id} ({self.status})"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=255, blank=True)
    processor_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Refunds are whole-payment: refunding twice can never create a second row.
            models.UniqueConstraint(fields=["payment"], name="payments_one_refund_per_payment"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of payment {self.payment_id} {self.amount}"

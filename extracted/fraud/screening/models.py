"""What fraud owns: one assessment per payment attempt.

The assessments are also the customer's velocity history: the window of earlier attempts is
counted from them, which is why fraud keeps every one, approved or declined.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Assessment(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve"
        DECLINE = "decline"

    attempt_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="The payment attempt's reference (order-41-attempt-1), its Idempotency-Key.",
    )
    customer_id = models.BigIntegerField()
    order_id = models.BigIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    order_declines = models.PositiveIntegerField(
        help_text="The order's declined attempts before this one, as payments sent them."
    )
    attempts_in_window = models.PositiveIntegerField(
        help_text="The customer's earlier attempts within the window, as fraud counted them."
    )
    decision = models.CharField(max_length=7, choices=Decision.choices)
    reasons = models.JSONField(default=list, blank=True, help_text="The reason codes, in order.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "created_at"], name="screening_velocity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="screening_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_key}: {self.decision}"

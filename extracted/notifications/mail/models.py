"""The service's notifications: the monolith's table, plus the event that caused each row.

Rows handed over from the monolith keep their ids (clients may hold links to them) and have
no ``event_id``; rows written by this service carry the event id, which is also the
idempotency key of the e-mail.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Notification(models.Model):
    class Kind(models.TextChoices):
        ORDER_RECEIVED = "order_received"
        ORDER_PAID = "order_paid"
        ORDER_CANCELLED = "order_cancelled"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    class Origin(models.TextChoices):
        EVENT = "event"
        BACKFILL = "backfill"

    customer_id = models.BigIntegerField(help_text="The recipient customer (customers context).")
    order_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    event_id = models.UUIDField(
        null=True, blank=True, unique=True, help_text="The event; the e-mail's idempotency key."
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.EVENT)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "created_at"], name="notif_customer_created"),
            models.Index(fields=["status"], name="notif_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order_id", "kind"],
                condition=models.Q(order_id__isnull=False),
                name="notif_one_per_order_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} {self.kind} order {self.order_id} ({self.status})"

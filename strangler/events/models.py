"""The tables of the events library.

``OutboxMessage`` is abstract: each producing app subclasses it in its own ``models.py``, so
the outbox lives in the producer's database and is written in the producer's transaction.
``ProcessedMessage`` and ``DeadLetter`` are concrete: a consuming service installs the
``strangler.events`` app and gets both tables in its own database.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


def outbox_indexes(prefix: str) -> list[models.Index]:
    """The outbox's indexes, named ``<prefix>_unsent`` and ``<prefix>_agg``. A subclass whose
    ``app_label`` makes the names too long (30 characters at most) gives its table name."""
    return [
        # The relay's scan: unsent rows in id order.
        models.Index(
            fields=["id"], condition=models.Q(sent_at__isnull=True), name=f"{prefix}_unsent"
        ),
        models.Index(fields=["aggregate_type", "aggregate_id", "id"], name=f"{prefix}_agg"),
    ]


class OutboxMessage(models.Model):
    """One integration event waiting to be published (``sent_at`` is null) or published."""

    event_id = models.UUIDField(unique=True, editable=False)
    event_type = models.CharField(max_length=100)
    event_version = models.PositiveSmallIntegerField(default=1)
    aggregate_type = models.CharField(max_length=50, help_text="e.g. order")
    aggregate_id = models.CharField(
        max_length=64, help_text="Events of one aggregate are published in the order written."
    )
    payload = models.JSONField(help_text="The whole envelope, as published.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Confirmed by the broker.")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed publish attempts.")
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]
        indexes = outbox_indexes("%(app_label)s_%(class)s")

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "unsent"
        return f"{self.event_type} {self.event_id} ({state})"


class ProcessedMessage(models.Model):
    """An event a consumer has applied; committed in the same transaction as its effect."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-processed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="events_processed_once")
        ]
        indexes = [models.Index(fields=["event_type", "processed_at"])]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type} {self.event_id}"


class DeadLetter(models.Model):
    """An event a consumer gave up on (invalid, or failing after the last retry).

    The message itself is in the consumer's dead-letter queue on the broker; this row makes it
    visible in the admin, with the error, and lets staff replay it after a fix.
    """

    consumer = models.CharField(max_length=100)
    event_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    envelope = models.JSONField()
    error = models.TextField()
    retries = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consumer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type or '?'} {self.event_id or '?'}"

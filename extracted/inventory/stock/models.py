"""Stock levels, the reservations orders hold on them, and the holds this service made.

``available = on_hand - reserved``. A reservation moves units from available to reserved; a
commit (the order was paid) takes them out of both; a release gives them back to available.
``StockItem`` and ``Reservation`` are the monolith's tables, column for column (the hand-over
copies them); what only the service knows lives in a table of its own (``Hold``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class StockItem(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    on_hand = models.IntegerField(default=0, help_text="Units physically in the warehouse.")
    reserved = models.IntegerField(default=0, help_text="Units held for unpaid orders.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="inventory_stockitem_on_hand_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="inventory_stockitem_reserved_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")),
                name="inventory_stockitem_reserved_lte_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.available} available)"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"  # units held in StockItem.reserved
        COMMITTED = "committed", "Committed"  # paid: units left on_hand
        RELEASED = "released", "Released"  # cancelled or expired before payment
        RESTOCKED = "restocked", "Restocked"  # paid order cancelled: units back on_hand

    order_id = models.BigIntegerField(db_index=True)
    sku = models.CharField(max_length=64, db_index=True)
    quantity = models.IntegerField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "order_id", "sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_id", "sku"], name="inventory_reservation_order_sku_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="inventory_reservation_quantity_gte_1"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="inventory_res_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id}: {self.quantity} x {self.sku} ({self.status})"


class Hold(models.Model):
    """What the service knows of an order beyond its reservation rows: whether it made the hold
    over its API, whether the order exists, whether it was cancelled.

    The checkout reserves before its own transaction commits: when that transaction rolls back
    (or the call timed out), no ``order.created`` ever confirms the hold, and the sweeper gives
    its units back after ``INVENTORY_UNCONFIRMED_HOLD_SECONDS``. Reservations handed over from
    the monolith have no row here until an event about their order arrives.

    ``cancelled_at`` makes the events commute: an ``order.paid`` redelivered after the order's
    ``order.cancelled`` (a retry overtaken) must not take the units again.
    """

    order_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When order.created said the order exists."
    )
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweeper gave back the unconfirmed hold."
    )
    cancelled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When order.cancelled arrived: an order.paid delivered after it is stale.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(confirmed_at__isnull=True, released_at__isnull=True),
                name="inventory_hold_unconfirmed",
            ),
        ]

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "unconfirmed"
        return f"hold of order {self.order_id} ({state})"

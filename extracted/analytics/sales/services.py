"""Writes of the analytics service: record sales and cancellations, refresh a day's figures.

Everything runs inside the consumer's transaction, next to the ProcessedMessage rows, so a
redelivered event changes nothing. Each write takes a whole run of a batch: a few statements
whatever the number of events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DateTimeField, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from extracted.analytics.sales.models import (
    ZERO,
    Cancellation,
    DailySales,
    PlacedOrder,
    ProductDailySales,
    Sale,
    SaleLine,
)

# pg_advisory_xact_lock's first key: this service's figures (the second is the day).
_FIGURES_LOCK = 0x5A1E5


@dataclass(frozen=True)
class SoldLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PaidOrder:
    event_id: str
    order_id: int
    paid_at: datetime
    currency: str
    total: Decimal
    lines: tuple[SoldLine, ...]


@dataclass(frozen=True)
class NewOrder:
    event_id: str
    order_id: int
    created_at: datetime


@dataclass(frozen=True)
class CancelledOrder:
    event_id: str
    order_id: int
    cancelled_at: datetime
    reason: str


def orders_placed_record(*, orders: Sequence[NewOrder]) -> None:
    """The orders placed, one row each: an order already recorded (by an earlier event for it,
    or by a concurrent worker) is left as it is. One statement."""
    PlacedOrder.objects.bulk_create(
        [
            PlacedOrder(
                order_id=order.order_id,
                day=order.created_at.date(),
                created_at=order.created_at,
                event_id=order.event_id,
            )
            for order in orders
        ],
        ignore_conflicts=True,
    )


def sales_record(*, orders: Sequence[PaidOrder]) -> list[Sale]:
    """The sales of paid orders, and their days' figures. An order already recorded (by an
    earlier event for it) is left as it is; one cancelled before its payment event arrived
    is recorded as cancelled."""
    known = set(Sale.objects.filter(order_id__in={o.order_id for o in orders}).values_list(
        "order_id", flat=True
    ))  # fmt: skip
    fresh: dict[int, PaidOrder] = {}
    for order in orders:
        if order.order_id not in known:
            fresh.setdefault(order.order_id, order)
    if not fresh:
        return []
    cancelled = dict(
        Cancellation.objects.filter(order_id__in=fresh).values_list("order_id", "cancelled_at")
    )
    sales = Sale.objects.bulk_create(
        Sale(
            order_id=order.order_id,
            day=order.paid_at.date(),
            currency=order.currency,
            total=order.total,
            paid_at=order.paid_at,
            cancelled_at=cancelled.get(order.order_id),
            event_id=order.event_id,
        )
        for order in fresh.values()
    )
    SaleLine.objects.bulk_create(
        SaleLine(
            sale=sale,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            revenue=line.unit_price * line.quantity,
        )
        for sale in sales
        for line in fresh[sale.order_id].lines
    )
    figures_refresh(days={sale.day for sale in sales})
    return sales


def cancellations_record(*, cancellations: Sequence[CancelledOrder]) -> list[Cancellation]:
    """Cancellations of paid orders: their sales leave the figures of the day they were paid
    (a sale that has not arrived yet is recorded as cancelled when it does)."""
    known = set(
        Cancellation.objects.filter(order_id__in={c.order_id for c in cancellations}).values_list(
            "order_id", flat=True
        )
    )
    fresh: dict[int, CancelledOrder] = {}
    for cancellation in cancellations:
        if cancellation.order_id not in known:
            fresh.setdefault(cancellation.order_id, cancellation)
    if not fresh:
        return []
    created = Cancellation.objects.bulk_create(
        Cancellation(
            order_id=c.order_id, cancelled_at=c.cancelled_at, reason=c.reason, event_id=c.event_id
        )
        for c in fresh.values()
    )
    sales = Sale.objects.filter(order_id__in=fresh, cancelled_at__isnull=True)
    days = set(sales.values_list("day", flat=True))
    if days:
        sales.update(
            cancelled_at=Case(
                *(When(order_id=c.order_id, then=Value(c.cancelled_at)) for c in fresh.values()),
                output_field=DateTimeField(),
            )
        )
        figures_refresh(days=days)
    return created


def figures_refresh(*, days: Iterable[date]) -> None:
    """Rewrite the figures of ``days`` from their sales: two reads, two upserts.

    Workers refresh concurrently. On PostgreSQL each day is locked first (an advisory lock
    held until the commit), so a refresh reads the sales another worker committed for that
    day instead of overwriting its figures with a count that misses them. SQLite serialises
    writers anyway.
    """
    days = sorted(set(days))
    _lock(days)
    active, cancelled = Q(cancelled_at__isnull=True), Q(cancelled_at__isnull=False)
    per_day = (
        Sale.objects.filter(day__in=days)
        .values("day", "currency")
        .annotate(
            orders=Count("id", filter=active),
            revenue=Coalesce(Sum("total", filter=active), Value(ZERO)),
            cancelled_orders=Count("id", filter=cancelled),
            cancelled_revenue=Coalesce(Sum("total", filter=cancelled), Value(ZERO)),
        )
        .order_by()
    )
    DailySales.objects.bulk_create(
        [DailySales(**row) for row in per_day],
        update_conflicts=True,
        unique_fields=["day", "currency"],
        update_fields=["orders", "revenue", "cancelled_orders", "cancelled_revenue", "updated_at"],
    )
    line_active, line_cancelled = (
        Q(sale__cancelled_at__isnull=True),
        ~Q(sale__cancelled_at__isnull=True),
    )
    per_product = (
        SaleLine.objects.filter(sale__day__in=days)
        .values("sale__day", "sale__currency", "sku")
        .annotate(
            last_name=Max("name"),
            units_sold=Coalesce(Sum("quantity", filter=line_active), 0),
            revenue_sold=Coalesce(Sum("revenue", filter=line_active), Value(ZERO)),
            units_cancelled=Coalesce(Sum("quantity", filter=line_cancelled), 0),
        )
        .order_by()
    )
    ProductDailySales.objects.bulk_create(
        [
            ProductDailySales(
                day=row["sale__day"],
                currency=row["sale__currency"],
                sku=row["sku"],
                name=row["last_name"],
                units=row["units_sold"],
                revenue=row["revenue_sold"],
                cancelled_units=row["units_cancelled"],
            )
            for row in per_product
        ],
        update_conflicts=True,
        unique_fields=["day", "sku", "currency"],
        update_fields=["name", "units", "revenue", "cancelled_units", "updated_at"],
    )


def _lock(days: Sequence[date]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for day in days:  # in order: two workers never wait on each other in a circle
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_FIGURES_LOCK, day.toordinal()])

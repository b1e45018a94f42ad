"""Reads of the analytics service: the figures, never the facts behind them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, QuerySet, Sum

from extracted.analytics.sales.models import DailySales, PlacedOrder, ProductDailySales


def daily_sales(*, start: date, end: date) -> QuerySet[DailySales]:
    """Each day from ``start`` to ``end`` (inclusive) that had a sale, per currency."""
    return DailySales.objects.filter(day__range=(start, end)).order_by("day", "currency")


def product_sales(*, day: date) -> QuerySet[ProductDailySales]:
    """What each product sold on ``day``, best sellers (by revenue) first."""
    return ProductDailySales.objects.filter(day=day).order_by("currency", "-revenue", "sku")


def sales_totals() -> list[dict[str, Any]]:
    """Every day's figures added up, per currency."""
    rows = (
        DailySales.objects.values("currency")
        .annotate(
            orders_total=Sum("orders"),
            revenue_total=Sum("revenue"),
            cancelled_orders_total=Sum("cancelled_orders"),
            cancelled_revenue_total=Sum("cancelled_revenue"),
        )
        .order_by("currency")
    )
    return [dict(row) for row in rows]


def orders_placed_daily(*, start: date, end: date) -> list[dict[str, Any]]:
    """How many orders were placed each day from ``start`` to ``end`` that had one."""
    rows = (
        PlacedOrder.objects.filter(day__range=(start, end))
        .values("day")
        .annotate(orders_placed=Count("id"))
        .order_by("day")
    )
    return [dict(row) for row in rows]

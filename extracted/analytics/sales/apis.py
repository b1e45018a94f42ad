"""HTTP API of the analytics service: the sales figures, for staff: a caller whose token
carries the ``admin`` role (identity grants it; a customer's token gets 403 ``forbidden``).

Dates are ISO days (``2025-01-31``), UTC. A bad date is a 400; a range the wrong way round or
longer than ``MAX_DAYS`` (which no schema can state) is a 422 ``invalid_range``; ``details``
name the parameter.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.analytics.sales import selectors
from extracted.analytics.sales.models import DailySales, ProductDailySales
from strangler.api import error_response
from strangler.auth.drf import ADMIN, role_required
from strangler.errors import Unprocessable

MAX_DAYS = 366
DEFAULT_DAYS = 30


class InvalidRange(Unprocessable):
    """Two valid days that make no range to report (raised past the serializer's 400s)."""

    code = "invalid_range"


class DailySalesFilterSerializer(serializers.Serializer[dict[str, date]]):
    """``?from=&to=``: both optional, at most ``MAX_DAYS`` days (default: the last 30)."""

    to = serializers.DateField(required=False, help_text="Last day (default: today, UTC).")

    class Meta:
        ref_name = "DailySalesFilter"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword, so it cannot be declared as an attribute.
        first = serializers.DateField(
            required=False, help_text=f"First day (default: {DEFAULT_DAYS} days before to)."
        )
        return {"from": first, **super().get_fields()}

    def validate(self, attrs: dict[str, date]) -> dict[str, date]:
        end = attrs.get("to") or timezone.now().date()
        start = attrs.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidRange(
                "The range is not valid.", **{"from": [f"from ({start}) is after to ({end})."]}
            )
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidRange(
                "The range is not valid.",
                to=[f"At most {MAX_DAYS} days at once; {start}..{end} is longer."],
            )
        return {"from": start, "to": end}


class ProductSalesFilterSerializer(serializers.Serializer[dict[str, date]]):
    day = serializers.DateField(help_text="The day (UTC).")

    class Meta:
        ref_name = "ProductSalesFilter"


# Counts declared here: the model's bounds depend on the database engine, the contract must not.
class DailySalesOutputSerializer(serializers.ModelSerializer[DailySales]):
    orders = serializers.IntegerField(min_value=0)
    cancelled_orders = serializers.IntegerField(min_value=0)

    class Meta:
        model = DailySales
        ref_name = "DailySales"
        fields = ["day", "currency", "orders", "revenue", "cancelled_orders", "cancelled_revenue"]


class DailySalesListSerializer(serializers.Serializer[dict[str, Any]]):
    days = DailySalesOutputSerializer(many=True)

    class Meta:
        ref_name = "DailySalesList"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            **super().get_fields(),
        }


class ProductSalesOutputSerializer(serializers.ModelSerializer[ProductDailySales]):
    units = serializers.IntegerField(min_value=0)
    cancelled_units = serializers.IntegerField(min_value=0)

    class Meta:
        model = ProductDailySales
        ref_name = "ProductSales"
        fields = ["sku", "name", "currency", "units", "revenue", "cancelled_units"]


class ProductSalesListSerializer(serializers.Serializer[dict[str, Any]]):
    day = serializers.DateField()
    products = ProductSalesOutputSerializer(many=True)

    class Meta:
        ref_name = "ProductSalesList"


class SalesTotalSerializer(serializers.Serializer[dict[str, Any]]):
    currency = serializers.CharField()
    orders = serializers.IntegerField(source="orders_total")
    revenue = serializers.DecimalField(source="revenue_total", max_digits=14, decimal_places=2)
    cancelled_orders = serializers.IntegerField(source="cancelled_orders_total")
    cancelled_revenue = serializers.DecimalField(
        source="cancelled_revenue_total", max_digits=14, decimal_places=2
    )

    class Meta:
        ref_name = "SalesTotal"


class SalesTotalsSerializer(serializers.Serializer[dict[str, Any]]):
    totals = SalesTotalSerializer(many=True)

    class Meta:
        ref_name = "SalesTotals"


class OrdersPlacedDaySerializer(serializers.Serializer[dict[str, Any]]):
    day = serializers.DateField()
    orders_placed = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "OrdersPlacedDay"


class OrdersPlacedListSerializer(serializers.Serializer[dict[str, Any]]):
    days = OrdersPlacedDaySerializer(many=True)

    class Meta:
        ref_name = "OrdersPlacedList"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            **super().get_fields(),
        }


BAD_QUERY = error_response("validation_error: a day that is not an ISO date")
BAD_RANGE = error_response("invalid_range: from after to, or more than 366 days")
NOT_STAFF = error_response("forbidden: the caller's token does not carry the admin role")


# The figures are the business's, not a customer's. (No docstring: drf-spectacular would print
# it as every operation's description.)
class StaffApi(APIView):
    permission_classes = [IsAuthenticated, role_required(ADMIN)]


class DailySalesApi(StaffApi):
    @extend_schema(
        operation_id="analytics_sales_daily",
        parameters=[DailySalesFilterSerializer],
        responses={200: DailySalesListSerializer, 400: BAD_QUERY, 403: NOT_STAFF, 422: BAD_RANGE},
        summary="Orders and revenue per day and currency (net of cancelled orders).",
    )
    def get(self, request: Request) -> Response:
        query = DailySalesFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        days = selectors.daily_sales(start=start, end=end)
        return Response(DailySalesListSerializer({"from": start, "to": end, "days": days}).data)


class ProductSalesApi(StaffApi):
    @extend_schema(
        operation_id="analytics_sales_products",
        parameters=[ProductSalesFilterSerializer],
        responses={200: ProductSalesListSerializer, 400: BAD_QUERY, 403: NOT_STAFF},
        summary="Units and revenue per product on one day, best sellers first.",
    )
    def get(self, request: Request) -> Response:
        query = ProductSalesFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data["day"]
        products = selectors.product_sales(day=day)
        return Response(ProductSalesListSerializer({"day": day, "products": products}).data)


class SalesTotalsApi(StaffApi):
    @extend_schema(
        operation_id="analytics_sales_totals",
        responses={200: SalesTotalsSerializer, 403: NOT_STAFF},
        summary="Every day's figures added up, per currency.",
    )
    def get(self, request: Request) -> Response:
        return Response(SalesTotalsSerializer({"totals": selectors.sales_totals()}).data)


class OrdersPlacedApi(StaffApi):
    @extend_schema(
        operation_id="analytics_orders_daily",
        parameters=[DailySalesFilterSerializer],
        responses={200: OrdersPlacedListSerializer, 400: BAD_QUERY, 403: NOT_STAFF, 422: BAD_RANGE},
        summary="Orders placed per day (paid or not), the days that had one.",
    )
    def get(self, request: Request) -> Response:
        query = DailySalesFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        days = selectors.orders_placed_daily(start=start, end=end)
        return Response(OrdersPlacedListSerializer({"from": start, "to": end, "days": days}).data)

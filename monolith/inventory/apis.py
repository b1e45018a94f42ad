"""The inventory's public HTTP API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.inventory import selectors


class AvailabilityApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        on_hand = serializers.IntegerField()
        reserved = serializers.IntegerField()
        available = serializers.IntegerField()

        class Meta:
            ref_name = "Availability"

    @extend_schema(
        operation_id="inventory_retrieve",
        summary="Stock of one SKU (404 sku_not_found when there is no stock record)",
        parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH)],
        responses={200: OutputSerializer},
        tags=["inventory"],
    )
    def get(self, request: Request, sku: str) -> Response:
        item = selectors.stock_get(sku=sku)
        return Response(self.OutputSerializer(item).data)

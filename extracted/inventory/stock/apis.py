"""HTTP API of the inventory service: the public stock read (the monolith's, byte for byte)
and the reservations other services make (``/internal/v1/``, not routed by the gateway)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.inventory.stock import selectors, services
from extracted.inventory.stock.models import Reservation
from strangler.api import (
    BIGINT_MAX,
    ClosedInputSerializer,
    StrictCharField,
    StrictIntegerField,
    error_responses,
)
from strangler.errors import NotFound

MAX_QUANTITY = 1_000_000
MAX_LINES = 100


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


class ReservationLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "ReservationLine"


class ReservationOutputSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Reservation.Status.choices)
    expires_at = serializers.DateTimeField()
    lines = ReservationLineSerializer(many=True)

    class Meta:
        ref_name = "Reservation"


def _body(order_id: int) -> dict[str, object]:
    rows = selectors.reservation_get(order_id=order_id)
    return dict(
        ReservationOutputSerializer(
            {
                "order_id": order_id,
                "status": rows[0].status,
                "expires_at": min(r.expires_at for r in rows),
                "lines": [{"sku": r.sku, "quantity": r.quantity} for r in rows],
            }
        ).data
    )


ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH)


def _order_id(order_id: int) -> int:
    if not 1 <= order_id <= BIGINT_MAX:
        raise NotFound(f"No order has the id {order_id}.", order_id=str(order_id))
    return order_id


class ReservationApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        class LineSerializer(ClosedInputSerializer):
            sku = StrictCharField(max_length=64)
            quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)

            class Meta:
                ref_name = "ReservationLineInput"

        lines = serializers.ListField(child=LineSerializer(), min_length=1, max_length=MAX_LINES)

        class Meta:
            ref_name = "ReservationInput"

    @extend_schema(
        operation_id="reservations_put",
        summary="Hold stock for an order, all lines or none; the same call again answers 200",
        parameters=[ORDER_ID],
        request=InputSerializer,
        responses={
            200: ReservationOutputSerializer,
            201: ReservationOutputSerializer,
            **error_responses(
                {
                    400: "validation_error (details name each field) or malformed_request",
                    409: "out_of_stock (sku, requested, available), or reservation_exists "
                    "(the order holds other lines)",
                }
            ),
        },
        tags=["reservations"],
    )
    def put(self, request: Request, order_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = [(line["sku"], line["quantity"]) for line in serializer.validated_data["lines"]]
        reserved = services.stock_reserve(order_id=_order_id(order_id), lines=lines)
        code = status.HTTP_201_CREATED if reserved.created else status.HTTP_200_OK
        return Response(_body(order_id), status=code)

    @extend_schema(
        operation_id="reservations_retrieve",
        summary="The order's reservation",
        parameters=[ORDER_ID],
        responses={
            200: ReservationOutputSerializer,
            **error_responses({404: "reservation_not_found"}),
        },
        tags=["reservations"],
    )
    def get(self, request: Request, order_id: int) -> Response:
        return Response(_body(_order_id(order_id)))


class ReservationReleaseApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    @extend_schema(
        operation_id="reservations_release",
        summary="Give the order's held units back (idempotent; a committed one is unchanged)",
        parameters=[ORDER_ID],
        request=None,
        responses={
            200: ReservationOutputSerializer,
            **error_responses({404: "reservation_not_found"}),
        },
        tags=["reservations"],
    )
    def post(self, request: Request, order_id: int) -> Response:
        selectors.reservation_get(order_id=_order_id(order_id))
        services.reservation_release(order_id=order_id)
        return Response(_body(order_id))

"""Checkout and order endpoints: checkout, orders, orders/<id>, orders/<id>/cancel."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.orders import selectors, services
from monolith.orders.errors import PaymentDeclined, UnknownCardToken
from monolith.orders.models import Order
from monolith.orders.wiring import PAYMENTS
from strangler.api import (
    ClosedInputSerializer,
    StrictCharField,
    StrictIntegerField,
    customer_id_of,
    error_responses,
)
from strangler.composition import root
from strangler.idempotency.decorators import IDEMPOTENCY_KEY, idempotent

# The fake card processor's tokens (payments context); anything else is a 422 before any write.


class OrderLinesSerializer(serializers.ListSerializer):
    """An order's lines: those the caller holds (``context["lines"]``), else read from it."""

    def get_attribute(self, instance: Order) -> Any:
        held = self.context.get("lines")
        return held if held is not None else super().get_attribute(instance)


class OrderLineOutputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "OrderLine"
        list_serializer_class = OrderLinesSerializer


class ShippingAddressOutputSerializer(serializers.Serializer):
    full_name = serializers.CharField(source="shipping_name")
    line1 = serializers.CharField(source="shipping_line1")
    line2 = serializers.CharField(source="shipping_line2")
    city = serializers.CharField(source="shipping_city")
    postal_code = serializers.CharField(source="shipping_postal_code")
    country = serializers.CharField(source="shipping_country")

    class Meta:
        ref_name = "ShippingAddress"


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    lines = OrderLineOutputSerializer(many=True)
    shipping_address = ShippingAddressOutputSerializer(source="*")
    payment_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    reservation_expires_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Order"


class CheckoutApi(APIView):
    class InputSerializer(ClosedInputSerializer):
        card_token = StrictCharField(max_length=64)
        shipping_address_id = StrictIntegerField(min_value=1, required=False)

        class Meta:
            ref_name = "Checkout"

    @extend_schema(
        operation_id="checkout",
        tags=["orders"],
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OrderOutputSerializer,
            **error_responses(
                {
                    400: "validation_error",
                    402: "payment_declined (details: order_id, payment_id, reasons)",
                    404: "address_not_found",
                    409: "cart_empty, out_of_stock",
                    422: "unknown_card_token, or the Idempotency-Key reused with another body",
                }
            ),
        },
    )
    @idempotent(scope="orders.checkout")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        card_token = serializer.validated_data["card_token"]
        if not root.get(PAYMENTS).accepts_card_token(card_token):
            raise UnknownCardToken("Unknown card token.", card_token=["Unknown card token."])
        result = services.order_checkout(
            customer_id=customer_id_of(request), **serializer.validated_data
        )
        if not result.approved:
            raise PaymentDeclined(
                "The payment was declined; the order is kept pending until its reservation "
                "expires.",
                order_id=result.order.pk,
                payment_id=result.payment.payment_id,
                reasons=list(result.payment.decline_reasons),
            )
        # The paid order comes back with the lines the checkout wrote: nothing is read again.
        body = OrderOutputSerializer(result.order, context={"lines": result.lines}).data
        return Response(body, status=status.HTTP_201_CREATED)


class OrderListApi(generics.ListAPIView):
    serializer_class = OrderOutputSerializer

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.order_list(customer_id=customer_id_of(self.request))

    @extend_schema(operation_id="orders_list", tags=["orders"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrderDetailApi(APIView):
    @extend_schema(
        operation_id="orders_retrieve",
        tags=["orders"],
        responses={200: OrderOutputSerializer, **error_responses({404: "order_not_found"})},
    )
    def get(self, request: Request, order_id: int) -> Response:
        order = selectors.order_get(order_id=order_id, customer_id=customer_id_of(request))
        return Response(OrderOutputSerializer(order).data)


class OrderCancelApi(APIView):
    class InputSerializer(ClosedInputSerializer):
        reason = StrictCharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "OrderCancel"

    @extend_schema(
        operation_id="orders_cancel",
        tags=["orders"],
        request=InputSerializer,
        responses={
            200: OrderOutputSerializer,
            **error_responses({404: "order_not_found", 409: "invalid_order_transition"}),
        },
    )
    def post(self, request: Request, order_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_cancel(
            order_id=order_id,
            customer_id=customer_id_of(request),
            reason=serializer.validated_data.get("reason", ""),
        )
        order = selectors.order_get(order_id=order_id)
        return Response(OrderOutputSerializer(order).data)

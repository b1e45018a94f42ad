"""Cart endpoints: ``cart``, ``cart/items``, ``cart/items/<sku>``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.orders import selectors, services
from monolith.orders.models import CartItem
from strangler.api import (
    ClosedInputSerializer,
    StrictCharField,
    StrictIntegerField,
    customer_id_of,
    error_responses,
)


class CartLineOutputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    is_available = serializers.BooleanField()

    class Meta:
        ref_name = "CartLine"


class CartOutputSerializer(serializers.Serializer):
    lines = CartLineOutputSerializer(many=True)
    item_count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()

    class Meta:
        ref_name = "Cart"


def _cart_response(customer_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    cart = selectors.cart_get(customer_id=customer_id)
    return Response(CartOutputSerializer(cart).data, status=status_code)


def _quantity_field() -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=CartItem.MAX_QUANTITY)


class CartApi(APIView):
    @extend_schema(operation_id="cart_retrieve", tags=["cart"], responses=CartOutputSerializer)
    def get(self, request: Request) -> Response:
        return _cart_response(customer_id_of(request))

    @extend_schema(operation_id="cart_clear", tags=["cart"], responses={204: None})
    def delete(self, request: Request) -> Response:
        services.cart_clear(customer_id=customer_id_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsApi(APIView):
    class InputSerializer(ClosedInputSerializer):
        sku = StrictCharField(max_length=64)
        quantity = _quantity_field()

        class Meta:
            ref_name = "CartItemAdd"

    @extend_schema(
        operation_id="cart_items_add",
        tags=["cart"],
        request=InputSerializer,
        responses={
            201: CartOutputSerializer,
            **error_responses(
                {
                    400: "validation_error",
                    404: "product_not_found",
                    409: "out_of_stock, or cart_quantity_exceeded (with what the cart holds)",
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = services.cart_item_add(
            customer_id=customer_id_of(request), **serializer.validated_data
        )
        return Response(CartOutputSerializer(cart).data, status=status.HTTP_201_CREATED)


class CartItemApi(APIView):
    class InputSerializer(ClosedInputSerializer):
        patch_is_partial = False
        quantity = _quantity_field()

        class Meta:
            ref_name = "CartItemUpdate"

    @extend_schema(
        operation_id="cart_items_update",
        tags=["cart"],
        request=InputSerializer,
        responses={
            200: CartOutputSerializer,
            **error_responses(
                {400: "validation_error", 404: "cart_item_not_found", 409: "out_of_stock"}
            ),
        },
    )
    def patch(self, request: Request, sku: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer_id = customer_id_of(request)
        services.cart_item_set_quantity(
            customer_id=customer_id, sku=sku, quantity=serializer.validated_data["quantity"]
        )
        return _cart_response(customer_id)

    @extend_schema(
        operation_id="cart_items_remove",
        tags=["cart"],
        responses={204: None, **error_responses({404: "cart_item_not_found"})},
    )
    def delete(self, request: Request, sku: str) -> Response:
        services.cart_item_remove(customer_id=customer_id_of(request), sku=sku)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""The order book other services call (under ``/internal/v1/``; the gateway never routes it).

From stage 4 on the payments service serves ``POST /api/v1/payments``: it reads the
order it is asked to pay and, once the charge is approved, confirms it here, through the same
functions of orders' interface the in-process order book calls (``get_payable_order``,
``confirm_payment``). Service to service on the internal network: no authentication.

Left out of the monolith's OpenAPI document, which is the public contract every stage keeps
(``docs/api/monolith-v1.yaml``): these endpoints are stated by the pact the payments service
writes (``strangler/contracts/pacts/payments-monolith.json``), which the monolith verifies.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.orders import interface, selectors
from monolith.orders.errors import OrderNotFound
from monolith.orders.models import Order, OrderStatus
from strangler.api import BIGINT_MAX, ClosedInputSerializer, StrictIntegerField


def _order_id(order_id: int) -> int:
    """The path's id, within what the table can hold (a larger one would fail the query)."""
    if not 1 <= order_id <= BIGINT_MAX:
        raise OrderNotFound(f"Order {order_id} was not found.", order_id=order_id)
    return order_id


class InternalApi(APIView):
    """Service to service, on the internal network only."""

    authentication_classes = []  # a token is neither asked for nor read
    permission_classes = [AllowAny]


@extend_schema(exclude=True)
class OrderBookOrderApi(InternalApi):
    class QuerySerializer(serializers.Serializer[dict[str, Any]]):
        # Query parameters are strings, so the strict JSON field does not fit here.
        customer_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)

    class OutputSerializer(serializers.Serializer[interface.PayableOrder]):
        order_id = serializers.IntegerField()
        customer_id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=OrderStatus.choices)
        total = serializers.DecimalField(max_digits=12, decimal_places=2)
        currency = serializers.CharField()

    def get(self, request: Request, order_id: int) -> Response:
        """The customer's order as a payment needs it, whatever its status (payments refuses
        one that is not pending). A pending order whose stock reservation ran out is refused
        here (409 ``order_not_payable``), before any charge, as the in-process book refuses it."""
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        order_id = _order_id(order_id)
        customer_id = query.validated_data["customer_id"]
        try:
            order = interface.get_payable_order(order_id=order_id, customer_id=customer_id)
        except interface.OrderNotPayable as exc:
            if exc.details.get("status") == OrderStatus.PENDING:
                raise
            order = _as_payable(selectors.order_get(order_id=order_id, customer_id=customer_id))
        return Response(self.OutputSerializer(order).data)


def _as_payable(order: Order) -> interface.PayableOrder:
    """An order that can no longer be paid, told as the order book tells a payable one."""
    return interface.PayableOrder(
        order_id=order.pk,
        customer_id=order.customer_id,
        status=order.status,
        total=order.total,
        currency=order.currency,
    )


@extend_schema(exclude=True)
class OrderBookPaymentApi(InternalApi):
    class InputSerializer(ClosedInputSerializer):
        payment_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)

    def put(self, request: Request, order_id: int) -> Response:
        """pending -> paid with the approved payment; the same payment again answers 200."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment_id = serializer.validated_data["payment_id"]
        interface.confirm_payment(order_id=_order_id(order_id), payment_id=payment_id)
        paid = {"order_id": order_id, "status": OrderStatus.PAID.value, "payment_id": payment_id}
        return Response(paid)

"""HTTP API of payments: pay an order, list and read one's own payments."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.payments.charges import selectors, services
from extracted.payments.charges.errors import PaymentDeclined
from extracted.payments.charges.models import Payment, Refund
from strangler.api import (
    ClosedInputSerializer,
    OrderFilterSerializer,
    StrictCharField,
    customer_id_of,
    error_response,
    order_id_filter,
)
from strangler.idempotency.decorators import IDEMPOTENCY_KEY, idempotent


class RefundOutputSerializer(serializers.ModelSerializer[Refund]):
    class Meta:
        model = Refund
        ref_name = "PaymentRefund"
        fields = ["id", "amount", "reason", "created_at"]


class PaymentOutputSerializer(serializers.ModelSerializer[Payment]):
    refunds = RefundOutputSerializer(many=True, read_only=True)
    decline_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Payment
        ref_name = "Payment"
        fields = [
            "id",
            "order_id",
            "status",
            "amount",
            "currency",
            "decline_reasons",
            "created_at",
            "refunds",
        ]


class PaymentListCreateApi(ListAPIView[Payment]):
    class InputSerializer(ClosedInputSerializer):
        order_id = serializers.IntegerField(min_value=1)
        card_token = StrictCharField(max_length=64)

        class Meta:
            ref_name = "PaymentCreate"

    OutputSerializer = PaymentOutputSerializer
    serializer_class = PaymentOutputSerializer

    def get_queryset(self) -> QuerySet[Payment]:
        return selectors.payment_list_for_customer(
            customer_id=customer_id_of(self.request), order_id=order_id_filter(self.request)
        )

    @extend_schema(
        operation_id="payments_list",
        parameters=[OrderFilterSerializer],
        summary="The caller's payment attempts, newest first.",
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="payments_create",
        summary="Pay a pending order with a card token (honours Idempotency-Key).",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PaymentOutputSerializer,
            400: error_response("validation_error; nothing recorded"),
            402: error_response(
                "payment_declined: the attempt is recorded; details payment_id, order_id, reasons"
            ),
            404: error_response("order_not_found (also another customer's order)"),
            409: error_response(
                "order_not_payable (not pending), or the key's request in progress"
            ),
            422: error_response(
                "unknown_card_token (nothing recorded), or unprocessable: the Idempotency-Key "
                "was used with another body"
            ),
        },
    )
    @idempotent(scope="payments.create")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.payment_validate_card_token(card_token=serializer.validated_data["card_token"])
        result = services.payment_create_for_order(
            customer_id=customer_id_of(request),
            order_id=serializer.validated_data["order_id"],
            card_token=serializer.validated_data["card_token"],
        )
        if result.status == Payment.Status.DECLINED:
            # The attempt is committed; only now is the refusal raised (402, replayable).
            raise PaymentDeclined(
                "The payment was declined.",
                payment_id=result.payment_id,
                order_id=result.order_id,
                reasons=list(result.decline_reasons),
            )
        payment = selectors.payment_get_for_customer(
            customer_id=customer_id_of(request), payment_id=result.payment_id
        )
        return Response(self.OutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    OutputSerializer = PaymentOutputSerializer

    @extend_schema(
        operation_id="payments_retrieve",
        summary="One of the caller's payments.",
        responses={
            200: PaymentOutputSerializer,
            404: error_response("payment_not_found (also another customer's payment)"),
        },
    )
    def get(self, request: Request, payment_id: int) -> Response:
        payment = selectors.payment_get_for_customer(
            customer_id=customer_id_of(request), payment_id=payment_id
        )
        return Response(self.OutputSerializer(payment).data)

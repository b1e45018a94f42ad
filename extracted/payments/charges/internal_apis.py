"""The internal API the monolith's orders call (``HttpPayments``; under ``/internal/v1/``, no
auth, never routed by the gateway): a card token's card, a charge, and an order's refund.

Amounts are strings with two decimals, refusals the kit's error shape. A charge honours
``Idempotency-Key`` (orders sends ``order-<id>-checkout``): a repeat with the same body gets the
first answer back, so orders may retry a charge whose answer was lost. A refund is a PUT,
idempotent by nature: refunding twice refunds once.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.payments.charges import selectors, services
from extracted.payments.charges.errors import PaymentNotFound
from extracted.payments.charges.results import PaymentResult
from strangler.api import (
    BIGINT_MAX,
    ClosedInputSerializer,
    CurrencyField,
    SignedAmountField,
    StrictCharField,
    StrictIntegerField,
    error_responses,
)
from strangler.idempotency.decorators import IDEMPOTENCY_KEY, idempotent


class CardOutputSerializer(serializers.Serializer[dict[str, str]]):
    card_token = serializers.CharField()
    brand = serializers.CharField()
    last4 = serializers.CharField()

    class Meta:
        ref_name = "CardToken"


class ChargeOutputSerializer(serializers.Serializer[PaymentResult]):
    payment_id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["approved", "declined"])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    decline_reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fraud rules' codes or the card processor's reason; empty when approved.",
    )

    class Meta:
        ref_name = "Charge"


class RefundResultSerializer(serializers.Serializer[PaymentResult]):
    payment_id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["refunded"])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()

    class Meta:
        ref_name = "OrderRefund"


class CardTokenApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    @extend_schema(
        operation_id="card_tokens_retrieve",
        summary="The card behind a card token, so orders can refuse an unknown one up front",
        responses={
            200: CardOutputSerializer,
            **error_responses({404: "unknown_card_token: the card processor does not know it"}),
        },
        tags=["internal"],
    )
    def get(self, request: Request, card_token: str) -> Response:
        card = selectors.card_for_token(card_token=card_token)
        return Response(
            CardOutputSerializer(
                {"card_token": card_token, "brand": card.brand, "last4": card.last4}
            ).data
        )


class ChargeCreateApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        order_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
        customer_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
        amount = SignedAmountField(help_text='The amount to charge, as a string ("25.00").')
        currency = CurrencyField()
        card_token = StrictCharField(max_length=64)

        class Meta:
            ref_name = "ChargeInput"

    @extend_schema(
        operation_id="charges_create",
        summary="Charge an order: approved or declined, both 201 (honours Idempotency-Key)",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={
            201: ChargeOutputSerializer,
            **error_responses(
                {
                    400: "validation_error (details name each field), malformed_request or "
                    "invalid_idempotency_key; nothing recorded",
                    409: "order_not_payable: the order already has a successful payment; "
                    "or the key's request is still in progress",
                    422: "unknown_card_token or invalid_amount (nothing recorded), or "
                    "unprocessable: the Idempotency-Key was used with another body",
                    503: "service_unavailable: fraud gave no answer (details name it); "
                    "nothing recorded or charged",
                }
            ),
        },
        tags=["internal"],
    )
    @idempotent(scope="payments.charges")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.payment_charge(**serializer.validated_data)
        return Response(ChargeOutputSerializer(result).data, status=status.HTTP_201_CREATED)


class RefundApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        reason = StrictCharField(
            allow_blank=True, help_text="Why (kept on the refund, its first 255 characters)."
        )

        class Meta:
            ref_name = "RefundInput"

    @extend_schema(
        operation_id="refunds_update",
        summary="Refund the order's approved payment in full (refunding twice refunds once)",
        request=InputSerializer,
        responses={
            200: RefundResultSerializer,
            **error_responses(
                {
                    400: "validation_error; nothing refunded",
                    404: "payment_not_found: the order has no approved (or refunded) payment",
                }
            ),
        },
        tags=["internal"],
    )
    def put(self, request: Request, order_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # an id beyond a BIGINT names no order (the database would refuse the query)
        result = (
            services.payment_refund(order_id=order_id, reason=serializer.validated_data["reason"])
            if order_id <= BIGINT_MAX
            else None
        )
        if result is None:
            raise PaymentNotFound("The order has no approved payment to refund.", order_id=order_id)
        return Response(RefundResultSerializer(result).data)

"""HTTP API of the fraud service: the assessment of a payment attempt, which payments asks for
before it charges a card (``/internal/v1/``, never routed by the gateway)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.fraud.screening import services
from extracted.fraud.screening.errors import IdempotencyKeyRequired
from extracted.fraud.screening.models import Assessment
from strangler.api import (
    BIGINT_MAX,
    AmountField,
    ClosedInputSerializer,
    CurrencyField,
    StrictIntegerField,
    error_responses,
)
from strangler.idempotency.decorators import HEADER, IDEMPOTENCY_KEY, idempotent

MAX_COUNT = 2**31 - 1  # a PositiveIntegerField on PostgreSQL

ATTEMPT_KEY = OpenApiParameter(
    HEADER,
    IDEMPOTENCY_KEY.type,
    OpenApiParameter.HEADER,
    required=True,
    description="The payment attempt's reference (order-41-attempt-1): the attempt is "
    "assessed once, and the same key with the same body again gets the first answer back "
    "(header Idempotent-Replayed: true) without counting as another attempt.",
)


class AssessmentOutputSerializer(serializers.ModelSerializer[Assessment]):
    # Declared, not derived: a PositiveIntegerField's range is the database's, and the
    # document must read the same whichever database generated it.
    order_declines = serializers.IntegerField(
        min_value=0, max_value=MAX_COUNT, help_text="The order's declines, as payments sent them."
    )
    attempts_in_window = serializers.IntegerField(
        min_value=0,
        max_value=MAX_COUNT,
        help_text="The customer's earlier attempts within the window, as fraud counted them.",
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="amount_over_limit, too_many_attempts, order_attempts_exceeded (in that "
        "order): empty when approved.",
    )

    class Meta:
        model = Assessment
        ref_name = "Assessment"
        fields = [
            "id",
            "attempt_key",
            "customer_id",
            "order_id",
            "amount",
            "currency",
            "order_declines",
            "attempts_in_window",
            "decision",
            "reasons",
            "created_at",
        ]


class AssessmentCreateApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        customer_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
        order_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
        amount = AmountField(help_text='The amount to charge, above 0, as a string ("12.34").')
        currency = CurrencyField()
        order_declines = StrictIntegerField(
            min_value=0,
            max_value=MAX_COUNT,
            help_text="The order's declined attempts so far (the card processor's included).",
        )

        class Meta:
            ref_name = "AssessmentInput"

    OutputSerializer = AssessmentOutputSerializer

    @extend_schema(
        operation_id="assessments_create",
        summary="Assess a payment attempt: approve, or decline with the reasons (both 201)",
        parameters=[ATTEMPT_KEY],
        request=InputSerializer,
        responses={
            201: AssessmentOutputSerializer,
            **error_responses(
                {
                    400: "idempotency_key_required (no Idempotency-Key), "
                    "invalid_idempotency_key, validation_error (details name each field) "
                    "or malformed_request; nothing recorded",
                    409: "conflict: a request with this Idempotency-Key is still being "
                    "processed; retry shortly",
                    422: "unprocessable: the Idempotency-Key was used with another body",
                }
            ),
        },
        tags=["assessments"],
    )
    @idempotent(scope="fraud.assessments")
    def post(self, request: Request) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            raise IdempotencyKeyRequired(
                f"The {HEADER} header is required: the payment attempt's reference."
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessed = services.assessment_create(attempt_key=key.strip(), **serializer.validated_data)
        data = self.OutputSerializer(assessed.assessment).data
        response = Response(data, status=status.HTTP_201_CREATED)
        if not assessed.created:
            response["Idempotent-Replayed"] = "true"
        return response

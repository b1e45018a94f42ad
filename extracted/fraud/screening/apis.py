"""HTTP API of the fraud service: the assessment of a payment attempt, which payments asks for
before it charges a card (``/internal/v1/``, never routed by the gateway)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.fraud.screening import services
from extracted.fraud.screening.errors import IdempotencyKeyRequired
from extracted.fraud.screening.models import Assessment
from strangler.api import (
    ClosedInputSerializer,
    StrictCharField,
    StrictIntegerField,
    error_responses,
)
from strangler.idempotency.decorators import HEADER, IDEMPOTENCY_KEY, idempotent

MAX_ID = 2**63 - 1  # a BIGINT
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


# Above 0, at most 10 digits before the point and 2 after; no sign, exponent, spaces or
# leading zeros. [0-9], not \d: Python's \d also takes other scripts' digits.
AMOUNT_PATTERN = r"^(?:[1-9][0-9]{0,9}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN, "example": "25.00"}
)
class AmountField(serializers.DecimalField):
    """A positive amount as a JSON string (``"12.34"``), accepted exactly when it matches the
    documented pattern; a JSON number is refused (it would pass through a float first)."""

    default_error_messages = {
        "invalid": 'An amount above 0 with at most 2 decimals, as a string ("12.34").'
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(AMOUNT_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


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
        customer_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
        order_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
        amount = AmountField(help_text='The amount to charge, above 0, as a string ("12.34").')
        currency = StrictCharField(
            min_length=3,
            max_length=3,
            validators=[RegexValidator(r"^[A-Z]{3}$", "Three uppercase letters (EUR).")],
            help_text="ISO 4217 code (EUR).",
        )
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

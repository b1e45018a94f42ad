"""The signed-in customer's profile: ``GET/PATCH me``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.customers import services
from monolith.customers.apis.common import active_customer
from monolith.customers.models import phone_validator
from strangler.api import ClosedInputSerializer, StrictCharField, error_response


class ProfileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CustomerProfile"


class MeApi(APIView):
    class InputSerializer(ClosedInputSerializer):
        full_name = StrictCharField(max_length=200, required=False)
        phone = StrictCharField(
            max_length=32,
            required=False,
            allow_blank=True,
            allow_null=True,
            validators=[phone_validator],
            help_text="Empty or null clears it.",
        )

        class Meta:
            ref_name = "CustomerProfileUpdate"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if isinstance(self.initial_data, dict) and "email" in self.initial_data:
                raise serializers.ValidationError({"email": ["The e-mail cannot be changed here."]})
            return attrs

    @extend_schema(
        operation_id="me_retrieve",
        tags=["me"],
        responses={
            200: ProfileOutputSerializer,
            401: error_response("not_authenticated/invalid_token"),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(ProfileOutputSerializer(active_customer(request)).data)

    @extend_schema(
        operation_id="me_update",
        tags=["me"],
        request=InputSerializer,
        responses={
            200: ProfileOutputSerializer,
            400: error_response("validation_error (also for an attempt to change the e-mail)"),
            401: error_response("not_authenticated/invalid_token"),
        },
    )
    def patch(self, request: Request) -> Response:
        customer = active_customer(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = services.customer_update(
            customer_id=customer.id,
            full_name=data.get("full_name"),
            phone=(data["phone"] or "") if "phone" in data else None,
        )
        return Response(ProfileOutputSerializer(updated).data)

"""Sign-up, sign-in, token refresh and the public keys. All public (``AllowAny``).

Sign-in, refresh and the keys answer in the shapes of ``strangler.auth.api``, shared with the
identity service, which serves them once it is extracted.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.customers import services
from strangler.api import ClosedInputSerializer, StrictCharField, StrictEmailField, error_response
from strangler.auth.api import (
    NO_STORE,
    JwksApi,
    RefreshInputSerializer,
    TokenInputSerializer,
    TokenSerializer,
    refresh_schema,
    token_body,
    token_schema,
)

# The password rules a schema can state (the service's validators check the same and more).
PASSWORD_MIN_LENGTH = 8
NOT_ONLY_DIGITS = RegexValidator(
    r"^[^\u0000]*[^\d\u0000][^\u0000]*$", "This password is entirely numeric."
)


class RegisterApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(ClosedInputSerializer):
        email = StrictEmailField(max_length=254)
        password = StrictCharField(
            min_length=PASSWORD_MIN_LENGTH,
            max_length=256,
            trim_whitespace=False,
            write_only=True,
            validators=[NOT_ONLY_DIGITS],
            help_text="At least 8 characters, not only digits; a common password or one "
            "like the e-mail or the name is refused with 422 weak_password.",
        )
        full_name = StrictCharField(max_length=200)

        class Meta:
            ref_name = "CustomerRegisterInput"

    class OutputSerializer(serializers.Serializer):
        class CustomerSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            email = serializers.EmailField()
            full_name = serializers.CharField()

            class Meta:
                ref_name = "RegisteredCustomer"

        customer = CustomerSerializer()
        tokens = TokenSerializer()

        class Meta:
            ref_name = "CustomerRegistered"

    @extend_schema(
        operation_id="auth_register",
        tags=["auth"],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: error_response("validation_error (e.g. a short password) or malformed_request"),
            403: error_response(
                "registration_closed: new accounts are paused (CUSTOMERS_REGISTRATION_OPEN off)"
            ),
            409: error_response("email_taken: an account with this e-mail (in any case) exists"),
            422: error_response("weak_password: too common, or too like the e-mail or name"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed_in = services.customer_register(**serializer.validated_data)
        customer = signed_in.customer
        body = {
            "customer": {
                "id": customer.id,
                "email": customer.email,
                "full_name": customer.full_name,
            },
            "tokens": token_body(signed_in.tokens),
        }
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)


class TokenApi(APIView):
    permission_classes = [AllowAny]

    InputSerializer = TokenInputSerializer

    @token_schema
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed_in = services.customer_sign_in(**serializer.validated_data)
        return Response(token_body(signed_in.tokens), headers=NO_STORE)


class RefreshApi(APIView):
    permission_classes = [AllowAny]

    InputSerializer = RefreshInputSerializer

    @refresh_schema
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.tokens_refresh(refresh=serializer.validated_data["refresh"])
        return Response(token_body(pair), headers=NO_STORE)


__all__ = ["JwksApi", "RefreshApi", "RegisterApi", "TokenApi"]

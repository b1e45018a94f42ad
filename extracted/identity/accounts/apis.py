"""HTTP API of identity: sign-in, refresh and the public keys (``/api/v1/auth/``, routed by the
gateway, in the shapes of ``strangler.auth.api``), and the credential the monolith creates at
registration (``/internal/v1/credentials``, never routed by the gateway) and discards when it
rolls the registration back (``/internal/v1/credentials/<customer id>/discard``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from extracted.identity.accounts import services
from strangler.api import (
    BIGINT_MAX,
    ClosedInputSerializer,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    error_responses,
)
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
from strangler.idempotency.decorators import HEADER, IDEMPOTENCY_KEY, idempotent

CREDENTIAL_KEY = OpenApiParameter(
    HEADER,
    IDEMPOTENCY_KEY.type,
    OpenApiParameter.HEADER,
    required=False,
    description="The monolith sends customer-<id>-credential-<attempt> (the attempt random per "
    "registration): a retried call gets the first answer back (header Idempotent-Replayed: "
    "true) and creates nothing more.",
)


class TokenApi(APIView):
    permission_classes = [AllowAny]

    InputSerializer = TokenInputSerializer

    @token_schema
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed_in = services.credential_sign_in(**serializer.validated_data)
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


class CredentialCreateApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        customer_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
        email = StrictEmailField(max_length=254)
        password = StrictCharField(
            min_length=8,
            max_length=256,
            trim_whitespace=False,
            write_only=True,
            help_text="Checked for strength by the monolith before it asks; kept as a hash.",
        )

        class Meta:
            ref_name = "CredentialInput"

    class OutputSerializer(serializers.Serializer[dict[str, object]]):
        customer_id = serializers.IntegerField()
        email = serializers.EmailField()
        roles = serializers.ListField(child=serializers.CharField())
        tokens = TokenSerializer()

        class Meta:
            ref_name = "CredentialCreated"

    @extend_schema(
        operation_id="credentials_create",
        summary="Create a new customer's credential and sign them in",
        parameters=[CREDENTIAL_KEY],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **error_responses(
                {
                    400: "validation_error (details name each field), malformed_request or "
                    "invalid_idempotency_key; nothing created",
                    409: "email_taken (another customer has the e-mail), credential_exists "
                    "(the customer has another e-mail), or conflict (the same Idempotency-Key "
                    "still being processed)",
                    422: "unprocessable: the Idempotency-Key was used with another body",
                }
            ),
        },
        tags=["credentials"],
    )
    @idempotent(scope="identity.credentials")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed_in = services.credential_create(**serializer.validated_data)
        credential = signed_in.credential
        body = {
            "customer_id": credential.customer_id,
            "email": credential.email,
            "roles": list(credential.roles),
            "tokens": token_body(signed_in.tokens),
        }
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)


class CredentialDiscardApi(APIView):
    permission_classes = [AllowAny]  # service to service, on the internal network only

    class InputSerializer(ClosedInputSerializer):
        email = StrictEmailField(
            max_length=254, help_text="The e-mail the credential was created with."
        )

        class Meta:
            ref_name = "CredentialDiscardInput"

    class OutputSerializer(serializers.Serializer[dict[str, object]]):
        discarded = serializers.BooleanField(
            help_text="Whether a credential was removed (false: there was none to remove)."
        )

        class Meta:
            ref_name = "CredentialDiscarded"

    @extend_schema(
        operation_id="credentials_discard",
        summary="Remove the credential of a registration the monolith rolled back",
        description="Only the credential of this customer id with this e-mail is removed; "
        "asking again removes nothing more (discarded: false).",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(
                {400: "validation_error (details name each field) or malformed_request"}
            ),
        },
        tags=["credentials"],
    )
    def post(self, request: Request, customer_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        discarded = services.credential_discard(
            customer_id=customer_id, email=serializer.validated_data["email"]
        )
        return Response({"discarded": discarded})


__all__ = ["CredentialCreateApi", "CredentialDiscardApi", "JwksApi", "RefreshApi", "TokenApi"]

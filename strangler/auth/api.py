"""The public auth API's shapes, shared by the monolith and the identity service.

Sign-in, refresh and the public keys answer the same bodies, status codes and headers wherever
they are served, so the serializers (their OpenAPI names included) and the views' schemas live
here once; each side's views call their own services.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from strangler.api import ClosedInputSerializer, StrictCharField, error_response
from strangler.auth import keys
from strangler.auth.tokens import TokenPair

# Token responses must never be cached (RFC 6749, section 5.1).
NO_STORE = {"Cache-Control": "no-store"}


class TokenSerializer(serializers.Serializer[dict[str, Any]]):
    access = serializers.CharField(help_text="RS256 JWT; send as 'Authorization: Bearer ...'.")
    refresh = serializers.CharField(help_text="Exchange at auth/refresh for a new pair.")
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Lifetime of the access token, in seconds.")

    class Meta:
        ref_name = "CustomerTokens"


def token_body(pair: TokenPair) -> dict[str, Any]:
    return {
        "access": pair.access,
        "refresh": pair.refresh,
        "token_type": "Bearer",
        "expires_in": pair.access_expires_in,
    }


class TokenInputSerializer(ClosedInputSerializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=256, trim_whitespace=False, write_only=True)

    class Meta:
        ref_name = "CustomerTokenInput"


class RefreshInputSerializer(ClosedInputSerializer):
    refresh = StrictCharField(max_length=4096)

    class Meta:
        ref_name = "CustomerRefreshInput"


token_schema = extend_schema(
    operation_id="auth_token",
    tags=["auth"],
    request=TokenInputSerializer,
    responses={
        200: TokenSerializer,
        400: error_response("validation_error or malformed_request"),
        401: error_response("invalid_credentials: unknown e-mail, wrong password or inactive"),
    },
    auth=[],
)

refresh_schema = extend_schema(
    operation_id="auth_refresh",
    tags=["auth"],
    request=RefreshInputSerializer,
    responses={
        200: TokenSerializer,
        400: error_response("validation_error or malformed_request"),
        401: error_response(
            "invalid_token: not a valid, unexpired refresh token of an active customer"
        ),
    },
    auth=[],
)


class JwksApi(APIView):
    """The public keys of the key ring: the signing key and the retired ones still verifying."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        class KeySerializer(serializers.Serializer[dict[str, Any]]):
            kty = serializers.CharField()
            use = serializers.CharField()
            alg = serializers.CharField()
            kid = serializers.CharField()
            n = serializers.CharField()
            e = serializers.CharField()

            class Meta:
                ref_name = "JsonWebKey"

        keys = KeySerializer(many=True)

        class Meta:
            ref_name = "JsonWebKeySet"

    @extend_schema(
        operation_id="auth_jwks",
        tags=["auth"],
        responses={200: OutputSerializer},
        auth=[],
        description="The public keys that verify the shop's access tokens (RS256).",
    )
    def get(self, request: Request) -> Response:
        return Response(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

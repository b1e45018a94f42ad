"""Plain helpers shared by the customers tests (fixtures live in conftest.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.test import APIClient

from monolith.customers.models import Customer
from strangler.auth import keys
from strangler.auth.tokens import issue_pair

PASSWORD = "correct-horse-battery-9"


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The production algorithm with one iteration, to test hash upgrades quickly."""

    iterations = 1


def address_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "full_name": "Ana Putri",
        "line1": "Jl. Sudirman No. 5",
        "line2": "",
        "city": "Jakarta",
        "postal_code": "10220",
        "country": "ID",
    }
    payload.update(overrides)
    return payload


def client_for(customer: Customer) -> APIClient:
    return client_with_token(issue_pair(str(customer.id), email=customer.email).access)


def client_with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return client


def claims_for(customer_id: int, token_type: str = "access", **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "sub": str(customer_id),
        "email": "ana@example.com",
        "typ": token_type,
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        **extra,
    }


def forged_token(customer_id: int, token_type: str = "access") -> str:
    """Well-formed, right claims and even our ``kid``, but signed with a stranger's RSA key."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        claims_for(customer_id, token_type),
        stranger,
        algorithm="RS256",
        headers={"kid": keys.key_id()},
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], customer_id: int, token_type: str) -> str:
    claims = claims_for(customer_id, token_type)
    payload = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    return ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )


def alg_none_token(customer_id: int, token_type: str = "access") -> str:
    return _segments({"alg": "none", "typ": "JWT"}, customer_id, token_type) + "."


def hs256_public_key_token(customer_id: int, token_type: str = "access") -> str:
    """The classic algorithm-confusion attack: HMAC keyed with the (public) RSA key PEM."""
    signing_input = _segments({"alg": "HS256", "typ": "JWT"}, customer_id, token_type)
    signature = hmac.new(keys.public_key_pem(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])

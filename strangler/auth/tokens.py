"""JWT access and refresh tokens: RS256 only, with iss, aud, exp, nbf and a token type.

The algorithm is pinned on decode, so ``alg: none`` and HS256-signed-with-the-public-key
tokens are rejected, never "verified".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from django.conf import settings

from strangler.auth import keys

TokenType = Literal["access", "refresh"]
ALGORITHM = "RS256"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or of the wrong type."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_in: int


def _encode(subject: str, token_type: TokenType, ttl: timedelta, extra: dict[str, Any]) -> str:
    now = datetime.now(UTC)
    claims = {
        **extra,
        "sub": subject,
        "typ": token_type,
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    private_pem, kid = keys.signing_key()
    return jwt.encode(claims, private_pem, algorithm=ALGORITHM, headers={"kid": kid})


def issue_pair(subject: str, **extra: Any) -> TokenPair:
    return TokenPair(
        access=_encode(subject, "access", settings.JWT_ACCESS_TTL, extra),
        refresh=_encode(subject, "refresh", settings.JWT_REFRESH_TTL, {}),
        access_expires_in=int(settings.JWT_ACCESS_TTL.total_seconds()),
    )


def decode(token: str, expected_type: TokenType) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"Token algorithm must be {ALGORITHM}.")
        kid = header.get("kid")
        public_key = keys.verification_key(kid if isinstance(kid, str) else None)
        if public_key is None or not isinstance(kid, str | None):
            raise InvalidToken("Token was signed with an unknown key.")
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "nbf", "iss", "aud", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("Token has expired.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("Token is not valid yet.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"Token is invalid: {exc}.") from exc
    if claims.get("typ") != expected_type:
        raise InvalidToken(f"Expected an {expected_type} token.")
    return claims

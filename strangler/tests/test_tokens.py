"""Hostile and broken JWTs are rejected; only RS256 tokens from our key pass."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from strangler.auth import keys
from strangler.auth.tokens import InvalidToken, decode, issue_pair


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "7",
        "typ": "access",
        "iss": "shop-identity",
        "aud": "shop-api",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


def _sign(claims: dict[str, Any], **headers: Any) -> str:
    return jwt.encode(
        claims, keys.private_key_pem(), algorithm="RS256", headers={"kid": keys.key_id(), **headers}
    )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


def test_issued_access_token_round_trips() -> None:
    pair = issue_pair("7", email="a@example.com")
    claims = decode(pair.access, "access")
    assert claims["sub"] == "7"
    assert claims["email"] == "a@example.com"
    assert decode(pair.refresh, "refresh")["sub"] == "7"


def test_refresh_token_is_not_an_access_token() -> None:
    with pytest.raises(InvalidToken, match="access"):
        decode(issue_pair("7").refresh, "access")


def test_alg_none_is_rejected() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(exp=9999999999, nbf=0))}."
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_hs256_signed_with_the_public_key_is_rejected() -> None:
    token = jwt.encode(_claims(), "x" * 64, algorithm="HS256")
    forged = token.split(".")
    import hashlib
    import hmac

    signing_input = f"{forged[0]}.{forged[1]}".encode()
    signature = hmac.new(keys.public_key_pem(), signing_input, hashlib.sha256).digest()
    forged[2] = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="RS256"):
        decode(".".join(forged), "access")


def test_token_signed_by_another_key_is_rejected() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jwt.encode(_claims(), pem, algorithm="RS256")
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_unknown_kid_is_rejected() -> None:
    with pytest.raises(InvalidToken, match="unknown key"):
        decode(_sign(_claims(), kid="not-our-key"), "access")


def test_expired_token_is_rejected() -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(InvalidToken, match="expired"):
        decode(_sign(_claims(exp=past, nbf=past - timedelta(hours=1))), "access")


def test_token_not_valid_yet_is_rejected() -> None:
    future = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(InvalidToken, match="not valid yet"):
        decode(_sign(_claims(nbf=future, exp=future + timedelta(hours=1))), "access")


@pytest.mark.parametrize("claim,value", [("iss", "someone-else"), ("aud", "another-api")])
def test_wrong_issuer_or_audience_is_rejected(claim: str, value: str) -> None:
    with pytest.raises(InvalidToken):
        decode(_sign(_claims(**{claim: value})), "access")


def test_tampered_payload_is_rejected() -> None:
    header, _, signature = issue_pair("7").access.split(".")
    tampered = f"{header}.{_b64(_claims(sub='1', exp=9999999999, nbf=0, iat=0))}.{signature}"
    with pytest.raises(InvalidToken):
        decode(tampered, "access")


def test_garbage_is_rejected() -> None:
    with pytest.raises(InvalidToken):
        decode("not-a-token", "access")


def test_tokens_expire_after_the_configured_ttl() -> None:
    with override_settings(JWT_ACCESS_TTL=timedelta(seconds=-1)):
        token = issue_pair("7").access
    with pytest.raises(InvalidToken, match="expired"):
        decode(token, "access")


def test_jwks_publishes_the_verifying_key() -> None:
    (key,) = keys.jwks()["keys"]
    assert key["kid"] == keys.key_id()
    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
    assert isinstance(public, rsa.RSAPublicKey)
    assert (
        jwt.decode(issue_pair("7").access, public, algorithms=["RS256"], audience="shop-api")["sub"]
        == "7"
    )

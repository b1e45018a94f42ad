"""The gateway's JWT check: every hostile token is refused with its own reason."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.policy.auth import (
    AuthError,
    Identity,
    JwksKeySource,
    KeysUnavailable,
    PemFileKeySource,
    TokenVerifier,
    parse_jwks,
    pem_key_id,
)

ISSUER = "shop-identity"
AUDIENCE = "shop-api"
NOW = 1_800_000_000.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Signer:
    """An issuer: a key pair, its kid and its JWKS."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def token(self, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
        claims: dict[str, Any] = {
            "sub": "42",
            "typ": "access",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(NOW) - 10,
            "nbf": int(NOW) - 10,
            "exp": int(NOW) + 900,
            "email": "ada@example.com",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(
            claims, self.private, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )


def jwks_document(*signers: Signer) -> bytes:
    return json.dumps({"keys": [s.jwk() for s in signers]}).encode()


class Fetcher:
    """A JWKS endpoint under the test's control that counts its calls."""

    def __init__(self, document: bytes) -> None:
        self.document = document
        self.calls = 0
        self.fail = False

    async def __call__(self) -> bytes:
        self.calls += 1
        if self.fail:
            raise OSError("connection refused")
        return self.document


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer("key-1")


@pytest.fixture(scope="module")
def other_signer() -> Signer:
    return Signer("key-2")


def make_verifier(
    signer: Signer, clock: Clock | None = None
) -> tuple[TokenVerifier, Fetcher, Clock]:
    clock = clock or Clock(NOW)
    fetcher = Fetcher(jwks_document(signer))
    keys = JwksKeySource(fetcher, min_refresh=30.0, clock=clock)
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    return verifier, fetcher, clock


def verify(verifier: TokenVerifier, header: str | bytes) -> Identity:
    value = header.encode() if isinstance(header, str) else header
    return asyncio.run(verifier.verify(value))


def refused(verifier: TokenVerifier, header: str | bytes) -> AuthError:
    with pytest.raises(AuthError) as caught:
        verify(verifier, header)
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(data: dict[str, Any]) -> str:
    return b64(json.dumps(data).encode())


def valid_claims() -> dict[str, Any]:
    return {
        "sub": "42",
        "typ": "access",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "nbf": int(NOW) - 10,
        "exp": int(NOW) + 900,
    }


# --- the happy path --------------------------------------------------------------------------


def test_a_valid_access_token_gives_its_subject_and_claims(signer: Signer) -> None:
    verifier, _, _ = make_verifier(signer)

    identity = verify(verifier, "Bearer " + signer.token())

    assert identity.user_id == "42"
    assert identity.claims["email"] == "ada@example.com"


def test_the_scheme_is_case_insensitive_like_the_monoliths(signer: Signer) -> None:
    verifier, _, _ = make_verifier(signer)

    assert verify(verifier, "bearer " + signer.token()).user_id == "42"


def test_a_second_request_with_the_same_token_skips_the_signature_check(signer: Signer) -> None:
    verifier, fetcher, _ = make_verifier(signer)
    header = "Bearer " + signer.token()

    for _ in range(5):
        verify(verifier, header)

    assert verifier.verifications == 1
    assert fetcher.calls == 1


def test_a_cached_token_is_refused_once_it_expires(signer: Signer) -> None:
    verifier, _, clock = make_verifier(signer)
    header = "Bearer " + signer.token(exp=int(NOW) + 60)
    verify(verifier, header)

    clock.now = NOW + 61

    assert refused(verifier, header).reason == "expired"


def test_the_cache_is_bounded(signer: Signer) -> None:
    clock = Clock(NOW)
    keys = JwksKeySource(Fetcher(jwks_document(signer)), clock=clock)
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, cache_size=2, clock=clock)
    first, second, third = (signer.token(jti=str(n)) for n in range(3))

    for token in (first, second, third, first):
        verify(verifier, "Bearer " + token)

    assert verifier.verifications == 4  # the first was evicted by the third


def test_a_token_issued_by_the_monolith_verifies_against_its_jwks(settings: Any) -> None:
    from strangler.auth import keys, tokens

    document = json.dumps(keys.jwks()).encode()

    async def fetch() -> bytes:
        return document

    verifier = TokenVerifier(
        JwksKeySource(fetch), issuer=settings.JWT_ISSUER, audience=settings.JWT_AUDIENCE
    )
    access = tokens.issue_pair("7", email="grace@example.com").access

    assert verify(verifier, "Bearer " + access).user_id == "7"


# --- hostile and broken tokens: one reason each ----------------------------------------------


def test_no_header_is_not_authenticated(signer: Signer) -> None:
    error = refused(make_verifier(signer)[0], b"")

    assert (error.code, error.reason) == ("not_authenticated", "missing")
    assert error.status == 401


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"])
def test_another_scheme_or_no_token_is_invalid(signer: Signer, header: str) -> None:
    error = refused(make_verifier(signer)[0], header)

    assert (error.code, error.reason) == ("invalid_token", "bad_scheme")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "....", "Bearer Bearer", "x" * 9000])
def test_garbage_is_malformed(signer: Signer, token: str) -> None:
    error = refused(make_verifier(signer)[0], "Bearer " + token)

    assert (error.code, error.reason) == ("invalid_token", "malformed")


def test_non_ascii_bytes_are_malformed(signer: Signer) -> None:
    error = refused(make_verifier(signer)[0], b"Bearer \xff\xfe.\x00.x")

    assert error.reason == "malformed"


def test_alg_none_is_refused(signer: Signer) -> None:
    verifier, _, _ = make_verifier(signer)
    unsigned = f"{b64json({'alg': 'none', 'typ': 'JWT', 'kid': signer.kid})}."
    unsigned += b64json(valid_claims()) + "."

    error = refused(verifier, "Bearer " + unsigned)

    assert (error.code, error.reason) == ("invalid_token", "alg_not_allowed")
    assert verifier.verifications == 0


def test_hs256_signed_with_the_public_key_is_refused(signer: Signer) -> None:
    verifier, _, _ = make_verifier(signer)
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': signer.kid})}."
    signing_input += b64json(valid_claims())
    mac = hmac.new(signer.public_pem, signing_input.encode(), hashlib.sha256).digest()

    error = refused(verifier, f"Bearer {signing_input}.{b64(mac)}")

    assert error.reason == "alg_not_allowed"
    assert verifier.verifications == 0


def test_another_rsa_algorithm_is_refused(signer: Signer) -> None:
    token = jwt.encode(valid_claims(), signer.private, algorithm="RS512", headers={"kid": "key-1"})

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "alg_not_allowed"


def test_an_expired_token_is_refused(signer: Signer) -> None:
    token = signer.token(exp=int(NOW) - 1)

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "expired"


def test_a_token_not_yet_valid_is_refused(signer: Signer) -> None:
    token = signer.token(nbf=int(NOW) + 60, iat=int(NOW))

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "not_yet_valid"


def test_leeway_accepts_a_token_a_little_early(signer: Signer) -> None:
    clock = Clock(NOW)
    keys = JwksKeySource(Fetcher(jwks_document(signer)), clock=clock)
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, leeway=30, clock=clock)

    assert verify(verifier, "Bearer " + signer.token(nbf=int(NOW) + 10)).user_id == "42"


def test_a_token_of_another_issuer_is_refused(signer: Signer) -> None:
    token = signer.token(iss="evil-identity")

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "wrong_issuer"


def test_a_token_for_another_audience_is_refused(signer: Signer) -> None:
    token = signer.token(aud="another-api")

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "wrong_audience"


def test_a_tampered_payload_is_refused(signer: Signer) -> None:
    header, _, signature = signer.token().split(".")
    forged = b64json({**valid_claims(), "sub": "1", "role": "admin"})

    error = refused(make_verifier(signer)[0], f"Bearer {header}.{forged}.{signature}")

    assert error.reason == "bad_signature"


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(
    signer: Signer, other_signer: Signer
) -> None:
    token = other_signer.token(headers={"kid": signer.kid})

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "bad_signature"


def test_a_token_without_kid_is_refused(signer: Signer) -> None:
    token = jwt.encode(valid_claims(), signer.private, algorithm="RS256")

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "missing_kid"


def test_an_unknown_kid_is_refused(signer: Signer, other_signer: Signer) -> None:
    error = refused(make_verifier(signer)[0], "Bearer " + other_signer.token())

    assert (error.code, error.reason) == ("invalid_token", "unknown_kid")


def test_a_refresh_token_is_not_an_access_token(signer: Signer) -> None:
    token = signer.token(typ="refresh")

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "wrong_type"


@pytest.mark.parametrize("claim", ["exp", "nbf", "iss", "aud", "sub", "typ"])
def test_a_token_missing_a_required_claim_is_refused(signer: Signer, claim: str) -> None:
    token = signer.token(**{claim: None})

    assert refused(make_verifier(signer)[0], "Bearer " + token).reason == "missing_claim"


@pytest.mark.parametrize("subject", [42, "", ["42"]])
def test_a_subject_that_is_not_a_string_is_refused(signer: Signer, subject: Any) -> None:
    # PyJWT's encode refuses a non-string sub, so the token is built by hand
    header = b64json({"alg": "RS256", "typ": "JWT", "kid": signer.kid})
    payload = b64json({**valid_claims(), "sub": subject})
    signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(
        f"{header}.{payload}".encode(), signer.private
    )

    error = refused(make_verifier(signer)[0], f"Bearer {header}.{payload}.{b64(signature)}")

    assert error.reason == "bad_subject"


def test_a_refused_token_is_not_cached(signer: Signer) -> None:
    verifier, _, _ = make_verifier(signer)
    header = "Bearer " + signer.token(aud="another-api")

    refused(verifier, header)
    refused(verifier, header)

    assert verifier.verifications == 2


# --- key sources -----------------------------------------------------------------------------


def test_a_rotated_key_is_fetched_on_its_first_token(signer: Signer, other_signer: Signer) -> None:
    verifier, fetcher, clock = make_verifier(signer)
    verify(verifier, "Bearer " + signer.token())
    fetcher.document = jwks_document(signer, other_signer)
    clock.now += 30

    assert verify(verifier, "Bearer " + other_signer.token()).user_id == "42"
    assert fetcher.calls == 2


def test_unknown_kids_refetch_the_keys_at_most_once_per_min_refresh(
    signer: Signer, other_signer: Signer
) -> None:
    verifier, fetcher, clock = make_verifier(signer)
    verify(verifier, "Bearer " + signer.token())
    clock.now += 30

    for n in range(20):
        refused(verifier, "Bearer " + signer.token(headers={"kid": f"random-{n}"}))
    assert fetcher.calls == 2  # the first unknown kid refreshed; the rest waited

    clock.now += 30
    fetcher.document = jwks_document(signer, other_signer)
    assert verify(verifier, "Bearer " + other_signer.token()).user_id == "42"
    assert fetcher.calls == 3


def test_concurrent_requests_with_a_new_kid_fetch_once(signer: Signer) -> None:
    verifier, fetcher, _ = make_verifier(signer)
    tokens = [("Bearer " + signer.token(jti=str(n))).encode() for n in range(10)]

    async def all_at_once() -> list[Identity]:
        return await asyncio.gather(*(verifier.verify(t) for t in tokens))

    assert {i.user_id for i in asyncio.run(all_at_once())} == {"42"}
    assert fetcher.calls == 1


def test_an_old_key_set_is_refreshed_in_the_background(
    signer: Signer, other_signer: Signer
) -> None:
    clock = Clock(NOW)
    fetcher = Fetcher(jwks_document(signer))
    keys = JwksKeySource(fetcher, max_age=300.0, clock=clock)

    async def scenario() -> frozenset[str]:
        await keys.key_for(signer.kid)
        fetcher.document = jwks_document(other_signer)
        clock.now += 301
        assert await keys.key_for(signer.kid) is not None  # served from the old set
        await asyncio.sleep(0)  # let the background refresh run
        await asyncio.sleep(0)
        return keys.kids

    assert asyncio.run(scenario()) == {other_signer.kid}
    assert fetcher.calls == 2


def test_a_failed_refresh_keeps_the_known_keys(signer: Signer, other_signer: Signer) -> None:
    verifier, fetcher, clock = make_verifier(signer)
    verify(verifier, "Bearer " + signer.token(jti="a"))
    assert fetcher.calls == 1
    fetcher.fail = True
    clock.now += 60

    assert refused(verifier, "Bearer " + other_signer.token()).reason == "unknown_kid"
    assert fetcher.calls == 2  # the unknown kid made it refresh, and the refresh failed
    assert verify(verifier, "Bearer " + signer.token(jti="b")).user_id == "42"
    assert fetcher.calls == 2  # the known key answered without another fetch


def test_keys_are_retried_within_a_second_while_there_are_none(signer: Signer) -> None:
    verifier, fetcher, clock = make_verifier(signer)
    fetcher.fail = True
    refused(verifier, "Bearer " + signer.token())
    fetcher.fail = False

    clock.now += 0.5
    assert refused(verifier, "Bearer " + signer.token()).reason == "keys_unavailable"
    clock.now += 0.5
    assert verify(verifier, "Bearer " + signer.token()).user_id == "42"
    assert fetcher.calls == 2


def test_no_keys_at_all_is_a_503_not_a_401(signer: Signer) -> None:
    verifier, fetcher, _ = make_verifier(signer)
    fetcher.fail = True

    error = refused(verifier, "Bearer " + signer.token())

    assert isinstance(error, KeysUnavailable)
    assert (error.status, error.code, error.reason) == (
        503,
        "service_unavailable",
        "keys_unavailable",
    )


def test_the_jwks_keeps_only_rs256_signing_keys(signer: Signer, other_signer: Signer) -> None:
    document = {
        "keys": [
            signer.jwk(),
            {**other_signer.jwk(), "alg": "RS512"},
            {**other_signer.jwk(), "kid": "enc", "use": "enc"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {**other_signer.jwk(), "kid": ""},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {"kty": "RSA", "kid": "half"},
        ]
    }

    assert set(parse_jwks(json.dumps(document).encode())) == {signer.kid}


@pytest.mark.parametrize("document", [b"[]", b"{}", b'{"keys": {}}', b"<html>"])
def test_a_document_that_is_not_a_jwks_is_an_error(document: bytes) -> None:
    with pytest.raises(ValueError):
        parse_jwks(document)


def test_a_pem_file_source_uses_the_monolith_kid(tmp_path: Path, signer: Signer) -> None:
    pem = tmp_path / "jwt.pub.pem"
    pem.write_bytes(signer.public_pem)
    source = PemFileKeySource(pem)
    verifier = TokenVerifier(source, issuer=ISSUER, audience=AUDIENCE, clock=Clock(NOW))

    token = signer.token(headers={"kid": pem_key_id(signer.public_pem)})

    assert source.kid == pem_key_id(signer.public_pem)
    assert verify(verifier, "Bearer " + token).user_id == "42"
    assert refused(verifier, "Bearer " + signer.token()).reason == "unknown_kid"


def test_a_pem_file_source_picks_up_a_replaced_key(
    tmp_path: Path, signer: Signer, other_signer: Signer
) -> None:
    pem = tmp_path / "jwt.pub.pem"
    pem.write_bytes(signer.public_pem)
    source = PemFileKeySource(pem)
    pem.write_bytes(other_signer.public_pem)
    stat = pem.stat()
    os.utime(pem, (stat.st_atime, stat.st_mtime + 5))
    verifier = TokenVerifier(source, issuer=ISSUER, audience=AUDIENCE, clock=Clock(NOW))

    token = other_signer.token(headers={"kid": pem_key_id(other_signer.public_pem)})

    assert verify(verifier, "Bearer " + token).user_id == "42"


def test_a_pem_file_without_an_rsa_public_key_is_refused_at_start(tmp_path: Path) -> None:
    pem = tmp_path / "not-a-key.pem"
    pem.write_text("hello")

    with pytest.raises(ValueError):
        PemFileKeySource(pem)


def test_clock_is_real_time_by_default(signer: Signer) -> None:
    keys = JwksKeySource(Fetcher(jwks_document(signer)))
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)
    now = int(time.time())
    token = signer.token(iat=now, nbf=now, exp=now + 60)

    assert verify(verifier, "Bearer " + token).user_id == "42"

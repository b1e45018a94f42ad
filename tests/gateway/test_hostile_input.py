"""Bad and hostile input at the gateway: each is refused with a 4xx in the project's error
shape, and the upstream's own request log shows it never arrived."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.tests.harness import Gateway, Harness, Upstream, table
from strangler.testing import eventually

ISSUER, AUDIENCE, KID = "shop-identity", "shop-api", "gateway-test-key"
MAX_BODY = 4096


@dataclass
class Keys:
    private: rsa.RSAPrivateKey
    other: rsa.RSAPrivateKey

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self) -> bytes:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": "42",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "typ": "access",
        }
        claims.update(overrides)
        return claims

    def token(self, *, key: rsa.RSAPrivateKey | None = None, kid: str = KID, **claims: Any) -> str:
        return jwt.encode(
            self.claims(**claims), key or self.private, algorithm="RS256", headers={"kid": kid}
        )


@dataclass
class World:
    gateway: Gateway
    app: Upstream
    keys: Keys


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("hostile")
    keys = Keys(
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    jwks = tmp / "jwks.json"
    jwks.write_bytes(keys.jwks())
    harness = Harness(tmp)
    try:
        app = harness.upstream("app", jwks=jwks)
        gateway = harness.gateway(
            table(
                [
                    {
                        "name": "private",
                        "prefix": "/private",
                        "upstream": "app",
                        "auth": "required",
                    },
                    {"name": "public", "prefix": "/public", "upstream": "app", "auth": "optional"},
                    {"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"},
                ],
                {"app": {"instances": ["127.0.0.1:{app}"]}},
                defaults={"auth": "required"},
                auth={
                    "jwks": {"upstream": "app", "path": "/jwks.json"},
                    "issuer": ISSUER,
                    "audience": AUDIENCE,
                },
            ),
            {"app": app.port},
            env={"GATEWAY_MAX_BODY": str(MAX_BODY), "GATEWAY_HEADER_TIMEOUT": "0.5"},
        )
        yield World(gateway, app, keys)
    finally:
        harness.close()


@pytest.fixture
def app(world: World) -> Upstream:
    world.app.log.write_text("")  # each test reads only what it sent
    return world.app


def status_of(raw: bytes) -> int:
    assert raw.startswith(b"HTTP/1.1 "), raw[:200]
    return int(raw.split(b" ", 2)[1])


def error_code_of(raw: bytes) -> str:
    body = raw.split(b"\r\n\r\n", 1)[1]
    return str(json.loads(body)["error"]["code"])


# --- bodies, sizes, malformed requests ----------------------------------------------------------


def test_a_body_over_the_limit_never_reaches_the_upstream(world: World, app: Upstream) -> None:
    declared = world.gateway.call("POST", "/api/upload", body=b"x" * (MAX_BODY + 1))
    chunked = world.gateway.raw(
        b"POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n" % (MAX_BODY + 1, b"y" * (MAX_BODY + 1))
        + b"0\r\n\r\n"
    )

    assert (declared.status, declared.error_code) == (413, "payload_too_large")
    assert (status_of(chunked), error_code_of(chunked)) == (413, "payload_too_large")
    assert app.requests() == []


MALFORMED = {
    "space in a header name": b"GET /api/x HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
    "NUL in a header value": b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "bare CR in a header value": b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n",
    "bare LF ends a header": b"GET /api/x HTTP/1.1\r\nHost: x\nX-Injected: 1\r\n\r\n",
    "obsolete line folding": b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
    "Content-Length with chunked": (
        b"POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "two Content-Lengths": (
        b"POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    ),
    "absolute-form target": b"GET http://evil.example/api/x HTTP/1.1\r\nHost: x\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
    "protocol upgrade": (
        b"GET /api/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    ),
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_is_a_400_that_never_reaches_the_upstream(
    world: World, app: Upstream, request_bytes: bytes
) -> None:
    raw = world.gateway.raw(request_bytes)

    assert status_of(raw) == 400
    assert error_code_of(raw) in ("malformed_request", "upgrade_not_supported", "path_traversal")
    assert app.requests() == []


def test_oversized_targets_and_header_blocks_are_414_and_431(world: World, app: Upstream) -> None:
    long_url = world.gateway.raw(b"GET /api/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    big_header = world.gateway.raw(
        b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n"
    )
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    many_headers = world.gateway.raw(b"GET /api/x HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")

    assert status_of(long_url) == 414
    assert status_of(big_header) == 431
    assert status_of(many_headers) == 431
    assert app.requests() == []


# --- paths and headers --------------------------------------------------------------------------

TRAVERSALS = [
    b"/api/../admin",
    b"/api/./x",
    b"/api/%2e%2e/admin",
    b"/api/%2E%2E/admin",
    b"/api/.%2e/admin",
    b"/api/a%2fb",
    b"/api/a%2Fb",
    b"/api/a%5cb",
    b"/api/%252e%252e/admin",
    b"/api/%252f",
    b"/api/a\\b",
    b"/api/a%00b",
    b"/api/x%0d%0aSet-Cookie:%20a=b",
]


@pytest.mark.parametrize("path", TRAVERSALS, ids=[p.decode() for p in TRAVERSALS])
def test_path_traversal_in_any_encoding_is_a_400_that_never_reaches_the_upstream(
    world: World, app: Upstream, path: bytes
) -> None:
    raw = world.gateway.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")

    assert status_of(raw) == 400, raw[:300]
    assert error_code_of(raw) in ("path_traversal", "malformed_request")
    assert app.requests() == []


def test_forged_identity_headers_are_stripped_and_only_the_token_says_who_calls(
    world: World, app: Upstream
) -> None:
    forged = {"X-User-Id": "1", "X-User-Email": "root@example.com", "X-Authenticated-Role": "a"}

    anonymous = world.gateway.get("/public/x", headers=forged)
    signed_in = world.gateway.get(
        "/private/x", headers={**forged, "Authorization": f"Bearer {world.keys.token()}"}
    )

    assert anonymous.status == signed_in.status == 200
    assert not {"x-user-id", "x-user-email", "x-authenticated-role"} & {
        name for name, _ in anonymous.json()["headers"]
    }
    received = signed_in.json()["headers"]
    assert [value for name, value in received if name == "x-user-id"] == ["42"]
    assert "x-user-email" not in dict(received)


def test_a_request_id_that_could_inject_anything_is_replaced(world: World, app: Upstream) -> None:
    reply = world.gateway.get("/api/x", headers={"X-Request-ID": "a\tb<script>"})

    sent = dict(reply.json()["headers"])["x-request-id"]
    assert sent == reply.headers["x-request-id"]
    assert sent.isalnum()


# --- slow clients --------------------------------------------------------------------------------


def test_a_client_that_never_finishes_its_head_gets_a_408(world: World, app: Upstream) -> None:
    raw = world.gateway.raw(b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-Slow: ")

    assert (status_of(raw), error_code_of(raw)) == (408, "request_timeout")
    assert app.requests() == []


def test_a_client_that_stalls_in_its_body_gets_a_408(world: World, app: Upstream) -> None:
    raw = world.gateway.raw(
        b"POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"z" * 10
    )

    assert (status_of(raw), error_code_of(raw)) == (408, "request_timeout")
    # Bodies are streamed, so the head went on; the gateway then drops that upstream
    # connection, and the upstream sees its request cut short, never complete.
    cut = eventually(app.cut, "the upstream's connection dropped mid-body", deadline=5)
    assert [head["path"] for head in app.heads()] == ["/api/upload"]
    assert [(c["path"], c["body_length"]) for c in cut] == [("/api/upload", 10)]
    assert app.requests() == []


# --- hostile tokens ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hostile_tokens(keys: Keys) -> dict[str, str]:
    header = {"alg": "RS256", "typ": "JWT", "kid": KID}
    body = _b64(json.dumps(keys.claims()).encode())
    none_token = f"{_b64(json.dumps({**header, 'alg': 'none'}).encode())}.{body}."
    hs_signing_input = f"{_b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{body}"
    hs_signature = hmac.new(keys.public_pem(), hs_signing_input.encode(), hashlib.sha256).digest()
    valid = keys.token()
    head, _, signature = valid.split(".")
    tampered_body = _b64(json.dumps(keys.claims(sub="1")).encode())
    return {
        "alg none": none_token,
        "HS256 signed with the public key": f"{hs_signing_input}.{_b64(hs_signature)}",
        "expired": keys.token(exp=int(time.time()) - 60, nbf=int(time.time()) - 120),
        "not yet valid": keys.token(nbf=int(time.time()) + 600),
        "wrong issuer": keys.token(iss="someone-else"),
        "wrong audience": keys.token(aud="another-api"),
        "tampered payload": f"{head}.{tampered_body}.{signature}",
        "unknown kid": keys.token(key=keys.other, kid="not-a-known-key"),
        "known kid, other key": keys.token(key=keys.other),
        "refresh token": keys.token(typ="refresh"),
        "garbage": "not.a.jwt",
    }


HOSTILE = [
    "alg none",
    "HS256 signed with the public key",
    "expired",
    "not yet valid",
    "wrong issuer",
    "wrong audience",
    "tampered payload",
    "unknown kid",
    "known kid, other key",
    "refresh token",
    "garbage",
]


@pytest.mark.parametrize("case", HOSTILE)
@pytest.mark.parametrize("prefix", ["/private", "/public"])
def test_a_hostile_token_is_a_401_that_never_reaches_the_upstream(
    world: World, app: Upstream, case: str, prefix: str
) -> None:
    token = _hostile_tokens(world.keys)[case]

    reply = world.gateway.get(f"{prefix}/x", headers={"Authorization": f"Bearer {token}"})

    assert (reply.status, reply.error_code) == (401, "invalid_token"), reply.body
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert app.requests() == []


def test_no_token_where_one_is_required_is_a_401_that_never_reaches_the_upstream(
    world: World, app: Upstream
) -> None:
    missing = world.gateway.get("/private/x")
    basic = world.gateway.get("/private/x", headers={"Authorization": "Basic dXNlcjpwYXNz"})

    assert (missing.status, missing.error_code) == (401, "not_authenticated")
    assert (basic.status, basic.error_code) == (401, "invalid_token")
    assert app.requests() == []


def test_a_valid_token_passes_with_the_user_id_and_its_authorization_unchanged(
    world: World, app: Upstream
) -> None:
    token = world.keys.token()

    reply = world.gateway.get("/private/x", headers={"Authorization": f"Bearer {token}"})

    assert reply.status == 200
    received = dict(reply.json()["headers"])
    assert received["x-user-id"] == "42"
    assert received["authorization"] == f"Bearer {token}"
    assert app.paths() == ["/private/x"]

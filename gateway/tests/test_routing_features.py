"""Per-route features through a running gateway: header and claim match, sticky weighted
split, shadow, prefix rewrite, rate limits with their headers, and a handler route."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.pipeline.full import claim_holds
from gateway.tests.harness import Harness, table
from strangler.testing import eventually


def test_match_split_shadow_rewrite_and_rate_limit(harness: Harness) -> None:
    stable, canary, mirror = harness.upstream("v1"), harness.upstream("v2"), harness.upstream("m")
    gateway = harness.gateway(
        table(
            [
                {
                    "name": "canary-header",
                    "prefix": "/products",
                    "match": {"headers": {"x-canary": "always"}},
                    "upstream": "v2",
                },
                {
                    "name": "products",
                    "prefix": "/products",
                    "split": [{"upstream": "v1", "weight": 50}, {"upstream": "v2", "weight": 50}],
                },
                {"name": "shadowed", "prefix": "/orders", "upstream": "v1", "shadow": "m"},
                {
                    "name": "rewritten",
                    "prefix": "/old/api",
                    "upstream": "v1",
                    "rewrite": {"from": "/old/api", "to": "/api"},
                },
                {"name": "limited", "prefix": "/limited", "upstream": "v1", "rate_limit": "tight"},
            ],
            {
                "v1": {"instances": ["127.0.0.1:{v1}"]},
                "v2": {"instances": ["127.0.0.1:{v2}"]},
                "m": {"instances": ["127.0.0.1:{m}"]},
            },
            rate_limits={"tight": {"rate": "1/m", "burst": 2}},
            defaults={"auth": "none"},
        ),
        {"v1": stable.port, "v2": canary.port, "m": mirror.port},
    )

    assert gateway.get("/products/1", headers={"X-Canary": "always"}).json()["instance"] == "v2"
    # sticky: one client (one IP here) always lands on the same side of the split
    sides = Counter(gateway.get("/products/1").json()["instance"] for _ in range(6))
    assert len(sides) == 1

    assert gateway.call("POST", "/orders", body=b'{"a": 1}').json()["instance"] == "v1"
    eventually(lambda: mirror.paths() == ["/orders"], "the shadow copy at the mirror")
    assert mirror.requests()[0]["body_length"] == 8

    assert gateway.get("/old/api/items?q=1").json()["path"] == "/api/items?q=1"

    replies = [gateway.get("/limited") for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert replies[0].headers["ratelimit-limit"] == "3"
    assert replies[0].headers["ratelimit-remaining"] == "2"
    refused = replies[-1]
    assert refused.error_code == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert (
        'gateway_rate_limited_total{route="limited"} 1.0' in gateway.get("/metrics").body.decode()
    )


def test_the_verify_endpoint_answers_nginx_auth_request(harness: Harness) -> None:
    app = harness.upstream("app")
    gateway = harness.gateway(
        table(
            [
                {"name": "private", "prefix": "/private", "upstream": "app", "auth": "required"},
                {"name": "open", "prefix": "/open", "upstream": "app", "auth": "none"},
            ],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        {"app": app.port},
    )

    private = gateway.get("/_gateway/verify", headers={"X-Original-URI": "/private/1"})
    public = gateway.get("/_gateway/verify", headers={"X-Original-URI": "/open/1"})

    assert (private.status, private.error_code) == (401, "not_authenticated")
    assert public.status == 204
    assert app.requests() == []


def test_a_claim_match_holds_for_an_equal_value_or_a_list_holding_it() -> None:
    assert claim_holds("admin", "admin") and claim_holds(["customer", "admin"], "admin")
    assert claim_holds(True, "true") and claim_holds(7, "7")
    assert not claim_holds(["customer"], "admin") and not claim_holds(None, "admin")
    assert not claim_holds("administrator", "admin") and not claim_holds([None], "None")


def test_tokens_with_the_admin_role_go_to_version_2(harness: Harness, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "RS256"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    v1, v2 = harness.upstream("v1", jwks=jwks), harness.upstream("v2")
    gateway = harness.gateway(
        table(
            [
                {
                    "name": "stock-admins",
                    "prefix": "/stock",
                    "match": {"claims": {"roles": "admin"}},
                    "upstream": "v2",
                },
                {"name": "stock", "prefix": "/stock", "upstream": "v1"},
            ],
            {"v1": {"instances": ["127.0.0.1:{v1}"]}, "v2": {"instances": ["127.0.0.1:{v2}"]}},
            auth={"jwks": {"upstream": "v1", "path": "/jwks.json"}, "issuer": "s", "audience": "s"},
        ),
        {"v1": v1.port, "v2": v2.port},
    )

    def bearer(*roles: str) -> dict[str, str]:
        now = int(time.time())
        claims: dict[str, object] = {"sub": "7", "typ": "access", "iss": "s", "aud": "s"}
        claims |= {"roles": list(roles), "iat": now, "nbf": now, "exp": now + 60}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return {"Authorization": f"Bearer {token}"}

    eventually(lambda: gateway.get("/health/ready").status == 200, "the gateway has its keys")
    assert gateway.get("/stock/1", headers=bearer("customer", "admin")).json()["instance"] == "v2"
    assert gateway.get("/stock/1", headers=bearer("customer")).json()["instance"] == "v1"
    assert gateway.get("/stock/1").json()["instance"] == "v1"

"""Per-route features through a running gateway: header match, sticky weighted split, shadow,
prefix rewrite, rate limits with their headers, and a handler route."""

from __future__ import annotations

from collections import Counter

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

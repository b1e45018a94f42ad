"""The gateway against real upstream processes on loopback: proxying, balancing, health,
failures, limits, streaming and reload."""

from __future__ import annotations

import hashlib
import http.client
import json
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.tests.harness import Gateway, Harness, Upstream, table
from strangler.testing import eventually


def _one_upstream(harness: Harness, **route: object) -> tuple[Upstream, Gateway]:
    app = harness.upstream("app")
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none", **route}],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        {"app": app.port},
    )
    return app, gateway


def test_a_request_is_proxied_with_forwarding_headers_and_without_hop_by_hop_ones(
    harness: Harness,
) -> None:
    _app, gateway = _one_upstream(harness)

    reply = gateway.get(
        "/api/items?x=1",
        headers={
            "X-Request-ID": "client-id-1",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "X-Forwarded-For": "10.0.0.1",
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "hop",
            "Keep-Alive": "timeout=5",
            "X-User-Id": "forged",
            "X-Authenticated-Role": "admin",
        },
    )

    assert reply.status == 200
    assert reply.headers["x-request-id"] == "client-id-1"
    echoed = dict(reply.json()["headers"])
    assert reply.json()["path"] == "/api/items?x=1"
    assert echoed["x-request-id"] == "client-id-1"
    assert echoed["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert echoed["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
    assert echoed["x-forwarded-proto"] == "http"
    assert echoed["x-forwarded-host"] == f"127.0.0.1:{gateway.port}"
    for gone in ("x-secret-hop", "keep-alive", "x-user-id", "x-authenticated-role"):
        assert gone not in echoed, gone


def test_an_insane_request_id_is_replaced_and_every_reply_carries_one(harness: Harness) -> None:
    _app, gateway = _one_upstream(harness)

    reply = gateway.get("/api/x", headers={"X-Request-ID": "bad id with spaces;" * 20})

    sent = dict(reply.json()["headers"])["x-request-id"]
    assert sent == reply.headers["x-request-id"]
    assert " " not in sent and len(sent) == 32
    assert gateway.get("/nowhere").headers["x-request-id"]


def test_no_route_is_a_404_and_a_wrong_method_a_405_with_allow(harness: Harness) -> None:
    app, gateway = _one_upstream(harness, methods=["GET"])

    missing = gateway.get("/other")
    wrong = gateway.call("DELETE", "/api/x")

    assert (missing.status, missing.error_code) == (404, "route_not_found")
    assert (wrong.status, wrong.error_code) == (405, "method_not_allowed")
    assert wrong.headers["allow"] == "GET"
    assert app.requests() == []


def test_round_robin_spreads_requests_over_the_instances(harness: Harness) -> None:
    one, two = harness.upstream("one"), harness.upstream("two")
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{one}", "127.0.0.1:{two}"]}},
        ),
        {"one": one.port, "two": two.port},
    )

    served = Counter(gateway.get("/api/x").json()["instance"] for _ in range(10))

    assert served == {"one": 5, "two": 5}


def test_an_instance_failing_its_health_check_leaves_the_pool_and_comes_back(
    harness: Harness,
) -> None:
    one, two = harness.upstream("one"), harness.upstream("two")
    health = {"path": "/health/ready", "interval": 0.1, "timeout": 1.0, "fall": 2, "rise": 2}
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{one}", "127.0.0.1:{two}"], "health": health}},
        ),
        {"one": one.port, "two": two.port},
    )

    one.down_file.touch()
    eventually(
        lambda: {gateway.get("/api/x").json()["instance"] for _ in range(4)} == {"two"},
        "instance one out of the pool",
    )
    assert "gateway_upstream_instance_up{instance=" in gateway.get("/metrics").body.decode()
    one.down_file.unlink()
    eventually(
        lambda: {gateway.get("/api/x").json()["instance"] for _ in range(4)} == {"one", "two"},
        "instance one back in the pool",
    )


def test_an_instance_refusing_connections_is_ejected_and_retries_hide_it(
    harness: Harness,
) -> None:
    one, two = harness.upstream("one"), harness.upstream("two")
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none", "retries": 1}],
            {"app": {"instances": ["127.0.0.1:{one}", "127.0.0.1:{two}"], "eject_after": 2}},
        ),
        {"one": one.port, "two": two.port},
    )
    harness.groups[0].stop(grace_seconds=5)  # instance one goes away

    replies = [gateway.get("/api/x") for _ in range(6)]

    assert {r.status for r in replies} == {200}
    assert {r.json()["instance"] for r in replies} == {"two"}
    metrics = gateway.get("/metrics").body.decode()
    assert 'gateway_upstream_errors_total{kind="connect",upstream="app"} 2.0' in metrics
    for port, state in ((one.port, "open"), (two.port, "closed")):
        labels = f'client="gateway",instance="127.0.0.1:{port}",state="{state}",upstream="app"'
        assert f"circuit_breaker_state{{{labels}}} 1.0" in metrics


def test_a_slow_upstream_is_a_504_and_a_closed_port_a_502(harness: Harness) -> None:
    app = harness.upstream("app")
    closed = harness.upstream("closed")
    harness.groups[1].stop(grace_seconds=5)
    gateway = harness.gateway(
        table(
            [
                {"name": "slow", "prefix": "/slow", "upstream": "app", "timeout": 0.3},
                {"name": "gone", "prefix": "/gone", "upstream": "closed"},
            ],
            {
                "app": {"instances": ["127.0.0.1:{app}"]},
                "closed": {"instances": ["127.0.0.1:{closed}"], "eject_after": 100},
            },
            defaults={"auth": "none"},
        ),
        {"app": app.port, "closed": closed.port},
    )

    slow = gateway.get("/slow?seconds=3")
    gone = gateway.get("/gone")

    assert (slow.status, slow.error_code) == (504, "gateway_timeout")
    assert (gone.status, gone.error_code) == (502, "bad_gateway")
    assert gone.json()["error"]["details"] == {"upstream": "closed"}


def test_no_healthy_instance_is_a_503_and_readiness_says_which_upstream(
    harness: Harness,
) -> None:
    app = harness.upstream("app")
    health = {"path": "/health/ready", "interval": 0.1, "fall": 1, "rise": 1}
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{app}"], "health": health}},
        ),
        {"app": app.port},
    )
    # ready once a health check has seen the app (the gateway's first, 0.1 s after it starts)
    eventually(lambda: gateway.get("/health/ready").status == 200, "ready once the app is seen")

    app.down_file.touch()
    eventually(lambda: gateway.get("/api/x").status == 503, "503 without a healthy instance")

    ready = gateway.get("/health/ready")
    assert ready.status == 503
    assert ready.json()["error"]["details"]["unavailable"] == ["app"]
    assert gateway.get("/health/live").status == 200


def test_the_gateway_is_not_ready_until_a_health_check_has_seen_its_upstream(
    harness: Harness,
) -> None:
    app = harness.upstream("app")
    app.down_file.touch()  # the upstream is still starting when the gateway comes up
    health = {"path": "/health/ready", "interval": 0.1, "fall": 2, "rise": 2}
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/api", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{app}"], "health": health}},
        ),
        {"app": app.port},
    )
    for _ in range(5):
        assert gateway.get("/health/ready").status == 503

    app.down_file.unlink()
    eventually(lambda: gateway.get("/health/ready").status == 200, "ready once the app is")
    assert gateway.get("/api/x").status == 200


def test_a_large_body_streams_both_ways_intact(harness: Harness) -> None:
    app = harness.upstream("app")
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        {"app": app.port},
        env={"GATEWAY_MAX_BODY": str(64 * 1024 * 1024)},
    )
    upload = bytes(range(256)) * (24 * 1024 * 4)  # 24 MiB

    echoed = gateway.call("POST", "/echo", body=upload, timeout=60).json()
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=60)
    conn.request("GET", "/chunked?n=50000000")
    response = conn.getresponse()
    digest, size = hashlib.sha256(), 0
    while chunk := response.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    conn.close()

    assert echoed["body_length"] == len(upload)
    assert echoed["body_sha"] == hashlib.sha256(upload).hexdigest()
    assert size == 50_000_000
    assert digest.hexdigest() == hashlib.sha256(b"x" * 50_000_000).hexdigest()


def test_a_body_over_the_limit_is_a_413_and_never_reaches_the_upstream(
    harness: Harness,
) -> None:
    app = harness.upstream("app")
    gateway = harness.gateway(
        table(
            [{"name": "api", "prefix": "/", "upstream": "app", "auth": "none"}],
            {"app": {"instances": ["127.0.0.1:{app}"]}},
        ),
        {"app": app.port},
        env={"GATEWAY_MAX_BODY": "1000"},
    )

    reply = gateway.call("POST", "/echo", body=b"x" * 1001)

    assert (reply.status, reply.error_code) == (413, "payload_too_large")
    assert app.requests() == []


def test_a_bad_table_on_reload_keeps_the_good_one_and_a_good_one_replaces_it(
    harness: Harness,
) -> None:
    _app, gateway = _one_upstream(harness)
    good = gateway.routes.read_text()

    gateway.routes.write_text(good.replace("upstream: app", "upstream: nowhere"))
    gateway.reload()
    eventually(lambda: "reload refused" in gateway.log_text(), "the refusal logged")
    assert "unknown upstream 'nowhere'" in gateway.log_text()
    assert gateway.get("/api/x").status == 200

    gateway.routes.write_text(good.replace("prefix: /api", "prefix: /v2"))
    gateway.reload()
    eventually(lambda: gateway.get("/v2/x").status == 200, "the new table serving")
    assert gateway.get("/api/x").status == 404


def test_every_request_is_logged_as_one_json_line_and_counted(harness: Harness) -> None:
    app, gateway = _one_upstream(harness)

    gateway.get("/api/x", headers={"X-Request-ID": "logged-1"})
    gateway.get("/missing")

    def logged() -> list[str]:
        return gateway.access_log.read_text().splitlines() if gateway.access_log.exists() else []

    eventually(lambda: len(logged()) >= 2, "two access log lines")
    lines = [json.loads(line) for line in logged()]
    first = next(line for line in lines if line["request_id"] == "logged-1")
    assert first["route"] == "api" and first["status"] == 200 and first["upstream"] == "app"
    assert first["instance"] == f"127.0.0.1:{app.port}" and first["client"] == "127.0.0.1"
    assert set(first) >= {"ts", "method", "path", "duration_ms", "bytes", "trace_id", "user"}
    metrics = gateway.get("/metrics").body.decode()
    assert 'gateway_requests_total{route="api",status="200"} 1.0' in metrics
    assert 'gateway_request_duration_seconds_count{route="api"} 1.0' in metrics


def test_ready_waits_for_the_signing_keys_where_tokens_are_verified(
    harness: Harness, tmp_path: Path
) -> None:
    """A gateway that cannot verify a token yet is not ready: a balancer or a start script
    waiting on /health/ready must not send it a signed-in customer it would refuse with 503."""
    jwks = tmp_path / "jwks.json"  # not there yet: the issuer serves 503
    app = harness.upstream("app", jwks=jwks)
    routes = [{"name": "private", "prefix": "/private", "upstream": "app", "auth": "required"}]
    auth = {"jwks": {"upstream": "app", "path": "/jwks.json"}, "issuer": "shop", "audience": "shop"}
    gateway = harness.gateway(
        table(routes, {"app": {"instances": ["127.0.0.1:{app}"]}}, auth=auth), {"app": app.port}
    )

    not_ready = gateway.get("/health/ready")
    assert not_ready.status == 503
    assert not_ready.json()["error"]["details"]["keys"] == "not_loaded"

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": "k1", "alg": "RS256", "use": "sig"}
    jwks.write_text(json.dumps({"keys": [jwk]}))
    eventually(lambda: gateway.get("/health/ready").status == 200, "ready once the keys load")

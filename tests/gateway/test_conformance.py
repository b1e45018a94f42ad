"""One conformance suite, two gateways: ours and nginx running the exported route table.

Every test talks HTTP to the gateway and reads what the real upstreams received. Where nginx
legitimately behaves differently, the test says so and asserts both behaviours.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from strangler.testing import eventually
from tests.gateway.conftest import MAX_BODY, Gateway, Response
from tests.gateway.upstream import Reply


def _upstream_of(response: Response) -> str:
    assert response.status == 200, (response.status, response.body[:300])
    return str(response.json()["upstream"])


# --- routing ----------------------------------------------------------------------------------


def test_prefix_route_reaches_its_upstream_with_path_and_query_unchanged(gateway: Gateway) -> None:
    response = gateway.get("/api/items/7?color=red&size=2")

    assert response.status == 200
    assert response.json() == {
        "upstream": "app",
        "method": "GET",
        "target": "/api/items/7?color=red&size=2",
    }


def test_prefix_matches_the_bare_prefix_and_whole_segments_only(gateway: Gateway) -> None:
    assert gateway.get("/api/items").status == 200
    assert gateway.get("/api/items/").status == 200

    response = gateway.get("/api/itemsx")

    assert response.status == 404
    assert response.error_code == "route_not_found"
    assert [r.path for r in gateway.world.upstream("app").requests] == ["/api/items", "/api/items/"]


def test_unknown_path_is_a_json_404_that_reaches_no_upstream(gateway: Gateway) -> None:
    response = gateway.get("/nowhere/at/all")

    assert response.status == 404
    assert response.error_code == "route_not_found"
    assert response.header("X-Request-ID")
    assert all(not u.requests for u in gateway.world.upstreams.values())


def test_templated_path_beats_the_longer_prefix_and_only_matches_its_shape(
    gateway: Gateway,
) -> None:
    assert _upstream_of(gateway.get("/api/orders/42/detail")) == "other"
    assert _upstream_of(gateway.get("/api/orders/abc/detail")) == "app"  # {order_id:int}
    assert _upstream_of(gateway.get("/api/orders/42")) == "app"
    assert _upstream_of(gateway.get("/api/orders/42/detail/more")) == "app"


def test_method_outside_the_route_is_a_405_with_allow(gateway: Gateway) -> None:
    response = gateway.call("POST", "/api/readonly/1", body=b"{}")

    assert response.status == 405
    assert response.error_code == "method_not_allowed"
    assert [m.strip() for m in (response.header("Allow") or "").split(",")] == ["GET"]
    assert not gateway.world.upstream("app").requests
    assert gateway.get("/api/readonly/1").status == 200


def test_prefix_rewrite_replaces_the_prefix_and_keeps_the_rest(gateway: Gateway) -> None:
    assert gateway.get("/legacy/things/3?x=1").json()["target"] == "/api/v2/things/3?x=1"
    assert gateway.get("/legacy").json()["target"] == "/api/v2"


def test_prefix_rewrite_to_root_strips_the_prefix(gateway: Gateway) -> None:
    assert gateway.get("/svc/a/b?q=1").json()["target"] == "/a/b?q=1"
    assert gateway.get("/svc").json()["target"] == "/"


def test_request_body_and_method_reach_the_upstream(gateway: Gateway) -> None:
    body = b'{"name": "lamp", "price": "9.50"}'

    response = gateway.call(
        "POST", "/api/items", body=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 200
    got = gateway.world.upstream("app").last()
    assert (got.method, got.body, got.header("content-type")) == ("POST", body, "application/json")


def test_gateway_health_live_is_answered_by_the_gateway_itself(gateway: Gateway) -> None:
    response = gateway.get("/health/live")

    assert response.status == 200
    assert all(not u.requests for u in gateway.world.upstreams.values())


# --- headers ----------------------------------------------------------------------------------


def test_forged_identity_headers_never_reach_the_upstream(gateway: Gateway) -> None:
    forged = {
        "X-User-Id": "1",
        "X-User-Email": "admin@example.com",
        "X-Authenticated-User": "admin",
        "X-Authenticated-Userid": "1",
    }

    assert gateway.get("/api/items", headers=forged).status == 200

    got = gateway.world.upstream("app").last()
    assert {name: got.header(name) for name in forged} == dict.fromkeys(forged)


def test_forwarding_headers_and_a_created_request_id(gateway: Gateway) -> None:
    response = gateway.get("/api/items", headers={"X-Forwarded-For": "203.0.113.9"})

    got = gateway.world.upstream("app").last()
    forwarded_for = [part.strip() for part in (got.header("x-forwarded-for") or "").split(",")]
    assert forwarded_for == ["203.0.113.9", "127.0.0.1"]  # appended, never replaced
    assert got.header("x-forwarded-proto") == "http"
    assert got.header("x-forwarded-host") == gateway.base.removeprefix("http://")
    assert got.header("host") == gateway.base.removeprefix("http://")
    request_id = response.header("X-Request-ID")
    assert request_id and got.header("x-request-id") == request_id
    traceparent = got.header("traceparent") or ""
    assert len(traceparent.split("-")) == 4 and traceparent.startswith("00-")


def test_a_sane_client_request_id_and_traceparent_are_passed_on(gateway: Gateway) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    response = gateway.get(
        "/api/items", headers={"X-Request-ID": "client-abc-123", "traceparent": traceparent}
    )

    got = gateway.world.upstream("app").last()
    assert response.header("X-Request-ID") == "client-abc-123"
    assert got.header("x-request-id") == "client-abc-123"
    assert (
        got.header(
            "traceparent",
        )
        is not None
    )
    assert (got.header("traceparent") or "").split("-")[1] == traceparent.split("-")[1]


def test_an_insane_client_request_id_is_replaced(gateway: Gateway) -> None:
    response = gateway.get("/api/items", headers={"X-Request-ID": "bad id with spaces;<x>"})

    got = gateway.world.upstream("app").last()
    request_id = response.header("X-Request-ID")
    assert request_id and request_id != "bad id with spaces;<x>"
    assert got.header("x-request-id") == request_id


def test_hop_by_hop_request_headers_are_dropped(gateway: Gateway) -> None:
    headers = [
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Authorization", "Basic c2VjcmV0"),
        ("Upgrade", "websocket"),
        ("X-Kept", "yes"),
    ]

    assert gateway.get("/api/items", headers=headers).status == 200

    got = gateway.world.upstream("app").last()
    assert got.header("keep-alive") is None
    assert got.header("proxy-authorization") is None
    assert got.header("upgrade") is None
    assert got.header("x-kept") == "yes"


def test_headers_named_in_connection_are_dropped_by_ours_only(gateway: Gateway) -> None:
    """nginx cannot drop a header by a name only known at request time (documented)."""
    headers = [("Connection", "keep-alive, X-Hop"), ("X-Hop", "1")]

    assert gateway.get("/api/items", headers=headers).status == 200

    got = gateway.world.upstream("app").last()
    assert got.header("x-hop") == (None if gateway.kind == "python" else "1")


# --- rate limits ------------------------------------------------------------------------------


def test_rate_limit_allows_the_burst_then_429s_without_reaching_the_upstream(
    gateway: Gateway,
) -> None:
    # policy "tight": 1/m, burst 2 -> nginx "nodelay" semantics: 1 + 2 pass at once.
    replies = [gateway.get("/api/limited/x") for _ in range(4)]

    assert [r.status for r in replies] == [200, 200, 200, 429]
    rejected = replies[-1]
    assert rejected.error_code == "rate_limited"
    assert int(rejected.header("Retry-After") or 0) >= 1
    assert len(gateway.world.upstream("app").requests) == 3
    # RateLimit-* headers: ours only; nginx's limit_req sets none (documented).
    if gateway.kind == "python":
        assert rejected.header("RateLimit-Limit") is not None
        assert rejected.header("RateLimit-Remaining") == "0"
        assert replies[0].header("RateLimit-Remaining") is not None
    else:
        assert rejected.header("RateLimit-Limit") is None


def test_rate_limit_key_is_the_user_on_ours_and_the_token_on_nginx(gateway: Gateway) -> None:
    """limit_req runs before auth_request: nginx keys on the Authorization header (documented)."""
    first, second = (gateway.world.signer.token("9") for _ in range(2))
    for _ in range(3):
        response = gateway.get("/api/limited-user", headers={"Authorization": f"Bearer {first}"})
        assert response.status == 200

    response = gateway.get("/api/limited-user", headers={"Authorization": f"Bearer {second}"})

    assert response.status == (429 if gateway.kind == "python" else 200)


def test_rate_limit_budget_is_per_route(gateway: Gateway) -> None:
    # budget-a and budget-b share the policy "tight" (1/m, burst 2): 3 pass, then 429
    spent = [gateway.get("/api/budget-a/1").status for _ in range(4)]

    untouched = [gateway.get("/api/budget-b/1").status for _ in range(4)]

    assert spent == [200, 200, 200, 429]
    assert untouched == [200, 200, 200, 429]
    assert len(gateway.world.upstream("app").requests) == 6


# --- load balancing and health ----------------------------------------------------------------


def test_round_robin_spreads_requests_evenly_over_two_instances(gateway: Gateway) -> None:
    upstreams = [_upstream_of(gateway.get(f"/api/pair/{i}")) for i in range(10)]

    assert upstreams.count("pair_a") == 5
    assert upstreams.count("pair_b") == 5


def test_least_conn_sends_new_requests_to_the_idle_instance(gateway: Gateway) -> None:
    world = gateway.world
    for name in ("lc_a", "lc_b"):
        world.upstream(name).reply("/api/lc/slow", Reply(delay=2.0))
    slow = threading.Thread(target=gateway.get, args=("/api/lc/slow",), daemon=True)
    slow.start()
    busy = eventually(
        lambda: next((n for n in ("lc_a", "lc_b") if world.upstream(n).requests), None),
        deadline=5,
        what="the slow request reaches an instance",
    )
    idle = "lc_b" if busy == "lc_a" else "lc_a"

    upstreams = [_upstream_of(gateway.get(f"/api/lc/{i}")) for i in range(6)]

    assert upstreams == [idle] * 6
    slow.join(timeout=10)


def test_an_instance_that_goes_down_leaves_the_pool_and_comes_back(gateway: Gateway) -> None:
    world = gateway.world
    survivor, victim = world.upstream("flaky_a"), world.upstream("flaky_b")
    eventually(
        lambda: (
            {_upstream_of(gateway.get("/api/flaky")) for _ in range(4)} == {"flaky_a", "flaky_b"}
        ),
        deadline=15,
        what="both flaky instances serve before the test",
    )
    victim.stop()
    try:
        streak = [0]

        def ten_in_a_row_on_the_survivor() -> bool:
            response = gateway.get("/api/flaky")
            ok = response.status == 200 and response.json()["upstream"] == "flaky_a"
            streak[0] = streak[0] + 1 if ok else 0
            return streak[0] >= 10

        eventually(ten_in_a_row_on_the_survivor, deadline=15, what="the dead instance leaves")
    finally:
        victim.start()
    survivor.clear()
    eventually(
        lambda: _upstream_of(gateway.get("/api/flaky")) == "flaky_b",
        deadline=15,
        poll=0.1,
        what="the restarted instance gets traffic again",
    )


def test_no_live_instance_is_a_503_on_ours_and_a_502_on_nginx(gateway: Gateway) -> None:
    """Ours knows from its health checks; nginx never marks a lone server down (documented)."""
    lone = gateway.world.upstream("gone")
    expected = (503, "service_unavailable") if gateway.kind == "python" else (502, "bad_gateway")
    lone.stop()
    try:

        def settled() -> bool:
            response = gateway.get("/api/gone")
            return (response.status, response.error_code if response.status >= 400 else "") == (
                expected
            )

        eventually(settled, deadline=15, what=f"/api/gone answers {expected}")
    finally:
        lone.start()
    eventually(
        lambda: gateway.get("/api/gone").status == 200,
        deadline=15,
        poll=0.1,
        what="the instance is back in the pool",
    )


def test_get_is_retried_on_another_instance_when_the_first_refuses(gateway: Gateway) -> None:
    statuses = [gateway.get(f"/api/retry/{i}").status for i in range(6)]

    assert statuses == [200] * 6
    assert len(gateway.world.upstream("retry_a").requests) == 6


def test_without_retries_a_refusing_instance_is_a_502(gateway: Gateway) -> None:
    replies = [gateway.get(f"/api/noretry/{i}") for i in range(6)]

    assert {r.status for r in replies} == {200, 502}
    assert {r.error_code for r in replies if r.status == 502} == {"bad_gateway"}


def test_weighted_split_is_sticky_per_client(gateway: Gateway) -> None:
    sides = {_upstream_of(gateway.get(f"/api/canary/{i}")) for i in range(8)}

    assert len(sides) == 1
    assert sides <= {"app", "other"}


def test_weighted_split_sends_each_upstream_its_share_of_the_clients(gateway: Gateway) -> None:
    # 200 clients (each its own loopback address) on the 80/20 route, two requests each
    clients = [f"127.0.{n // 200 + 1}.{n % 200 + 1}" for n in range(200)]
    chosen: dict[str, str] = {}
    for client in clients:
        first, again = (
            _upstream_of(gateway.get(f"/api/weighted/{i}", source=client)) for i in range(2)
        )
        assert first == again, f"client {client} was moved from {first} to {again}"
        chosen[client] = first

    shares = Counter(chosen.values())

    # The hash is fixed, so the split is too: 40 expected; an even or one-sided split fails.
    assert set(shares) == {"app", "other"}
    assert 25 <= shares["other"] <= 55, shares


def test_shadow_upstream_gets_a_copy_and_the_client_gets_the_primary(gateway: Gateway) -> None:
    response = gateway.get("/api/mirrored/5?q=1")

    assert _upstream_of(response) == "app"
    shadow = gateway.world.upstream("shadow")
    shadow.wait_for(lambda got: any(r.target == "/api/mirrored/5?q=1" for r in got))


# --- upstream failures ------------------------------------------------------------------------


def test_upstream_timeout_is_a_504_in_the_error_shape(gateway: Gateway) -> None:
    gateway.world.upstream("app").reply("/api/slow", Reply(delay=3.0))

    response = gateway.get("/api/slow/1")

    assert response.status == 504
    assert response.error_code == "gateway_timeout"
    assert response.header("X-Request-ID")


def test_refused_connection_is_a_502_in_the_error_shape(gateway: Gateway) -> None:
    response = gateway.get("/api/dead/1")

    assert response.status == 502
    assert response.error_code == "bad_gateway"


def test_connection_reset_by_the_upstream_is_a_502(gateway: Gateway) -> None:
    gateway.world.upstream("app").reply("/api/items/reset", Reply(reset=True))

    response = gateway.get("/api/items/reset")

    assert response.status == 502
    assert response.error_code == "bad_gateway"


def test_a_get_on_kept_alive_connections_the_upstream_closed_gets_a_fresh_one(
    gateway: Gateway,
) -> None:
    """A restarting server closes every kept-alive connection; the gateway meets the close on
    the one it reuses, and the one retry of a GET must not take another closed one."""
    app = gateway.world.upstream("app")
    app.reply("/api/items/", Reply(delay=0.3))
    with ThreadPoolExecutor(max_workers=3) as pool:  # three connections, idle in the pool
        warm = list(pool.map(gateway.get, ["/api/items/warm-1", "/api/items/warm-2"] * 3))
    assert [response.status for response in warm] == [200] * 6
    app.reply("/api/items/", Reply(reset_if_kept_alive=True))

    response = gateway.get("/api/items/after-restart")

    assert response.status == 200, response.body
    assert app.last().path == "/api/items/after-restart"


def test_upstream_errors_pass_through_untouched(gateway: Gateway) -> None:
    body = b'{"error": {"code": "not_found", "message": "No such item.", "details": {}}}'
    gateway.world.upstream("app").reply("/api/items/404", Reply(status=404, body=body))
    gateway.world.upstream("app").reply("/api/items/503", Reply(status=503, body=b'{"x": 1}'))

    assert (gateway.get("/api/items/404").status, gateway.get("/api/items/404").body) == (404, body)
    assert gateway.get("/api/items/503").body == b'{"x": 1}'


# --- bad input --------------------------------------------------------------------------------


def test_body_over_the_limit_is_a_413_that_never_reaches_the_upstream(gateway: Gateway) -> None:
    response = gateway.call("POST", "/api/items", body=b"x" * (MAX_BODY + 1))

    assert response.status == 413
    assert response.error_code == "payload_too_large"
    assert not gateway.world.upstream("app").requests


def test_chunked_body_over_the_limit_is_a_413_that_never_reaches_the_upstream(
    gateway: Gateway,
) -> None:
    chunk = b"x" * 1024
    chunks = [chunk] * (MAX_BODY // len(chunk) + 1)
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"

    response = gateway.call(
        "POST", "/api/items", body=body, headers={"Transfer-Encoding": "chunked"}
    )

    assert response.status == 413
    assert response.error_code == "payload_too_large"
    assert not gateway.world.upstream("app").requests


def test_chunked_body_within_the_limit_reaches_the_upstream_whole(gateway: Gateway) -> None:
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"

    response = gateway.call(
        "POST", "/api/items", body=body, headers={"Transfer-Encoding": "chunked"}
    )

    assert response.status == 200
    assert gateway.world.upstream("app").last().body == b"hello world"


def test_body_at_the_limit_passes(gateway: Gateway) -> None:
    response = gateway.call("POST", "/api/items", body=b"x" * MAX_BODY)

    assert response.status == 200
    assert len(gateway.world.upstream("app").last().body) == MAX_BODY


@pytest.mark.parametrize(
    "path",
    [
        "/api/items/../admin",
        "/api/items/%2e%2e/admin",
        "/api/items/%2E%2e/admin",
        "/api/items/a%2fb",
        "/api/items/a%5cb",
        "/api/items/%252e%252e/admin",
        "/api/items/./x",
        "/api/items/a\\b",
    ],
)
def test_path_traversal_is_a_400_that_never_reaches_the_upstream(
    gateway: Gateway, path: str
) -> None:
    response = gateway.get(path)

    assert response.status == 400, (path, response.status, response.body[:200])
    assert response.error_code == "path_traversal"
    assert all(not u.requests for u in gateway.world.upstreams.values())


# --- auth -------------------------------------------------------------------------------------


def test_auth_required_without_a_token_is_a_401_that_reaches_no_upstream(gateway: Gateway) -> None:

    response = gateway.get("/api/private/1")

    assert response.status == 401
    assert response.error_code == "not_authenticated"
    assert (response.header("WWW-Authenticate") or "").startswith("Bearer")
    assert not gateway.world.upstream("app").requests


def test_a_bad_token_is_a_401_even_where_auth_is_optional(gateway: Gateway) -> None:
    forged = gateway.world.signer.token("7")[:-4] + "AAAA"

    for path in ("/api/private/1", "/api/optional/1"):
        response = gateway.get(path, headers={"Authorization": f"Bearer {forged}"})
        assert response.status == 401, path
        assert response.error_code == "invalid_token"
    assert not gateway.world.upstream("app").requests


def test_a_valid_token_sends_the_user_id_upstream_and_a_forged_one_is_replaced(
    gateway: Gateway,
) -> None:
    authorization = f"Bearer {gateway.world.signer.token('42')}"

    response = gateway.get(
        "/api/private/1", headers={"Authorization": authorization, "X-User-Id": "1"}
    )

    assert response.status == 200, response.body[:300]
    got = gateway.world.upstream("app").last()
    assert got.header_values("x-user-id") == ["42"]
    assert got.header("authorization") == authorization


def test_optional_auth_without_a_token_is_anonymous(gateway: Gateway) -> None:

    response = gateway.get("/api/optional/1", headers={"X-User-Id": "1"})

    assert response.status == 200
    assert gateway.world.upstream("app").last().header("x-user-id") is None

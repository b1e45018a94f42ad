import time

import pytest
from opentelemetry.sdk.trace import TracerProvider

from strangler.errors import ServiceUnavailable
from strangler.http import CircuitBreaker, ServiceClient
from strangler.http.testing import Reply, closed_port_url, scripted_server

TIMEOUT = 0.5
MARGIN = 1.0


def client(url: str) -> ServiceClient:
    return ServiceClient("stock", url, timeout=TIMEOUT, backoff=0.01)


def test_a_slow_service_raises_within_the_timeout() -> None:
    with scripted_server(Reply(200, hang=True)) as server:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as raised:
            client(server.url).get("/slow")
        elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + MARGIN
    assert raised.value.http_status == 503
    assert raised.value.code == "service_unavailable"
    assert raised.value.details == {"service": "stock"}
    assert "did not answer in time" in raised.value.message
    assert len(server.received) == 1  # a read timeout is not retried: the budget holds


def test_a_closed_port_raises_service_unavailable_naming_the_service() -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        client(closed_port_url()).get("/anything")
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert raised.value.details == {"service": "stock"}
    assert "could not be reached" in raised.value.message


def test_put_is_retried_after_a_503() -> None:
    with scripted_server(Reply(503, {"error": {}}), Reply(201, {"ok": True})) as server:
        response = client(server.url).put("/things/1", json={"n": 1})
    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert [(r.method, r.path, r.body) for r in server.received] == [
        ("PUT", "/things/1", {"n": 1}),
        ("PUT", "/things/1", {"n": 1}),
    ]


@pytest.mark.parametrize("status", [502, 504])
def test_get_is_retried_after_a_gateway_error(status: int) -> None:
    with scripted_server(Reply(status), Reply(200, {"n": 2})) as server:
        assert client(server.url).get("/n").json() == {"n": 2}
    assert len(server.received) == 2


def test_post_is_never_retried() -> None:
    replies = (Reply(503), Reply(201, {"ok": True}))
    with scripted_server(*replies) as server, pytest.raises(ServiceUnavailable) as raised:
        client(server.url).post("/things", json={"n": 1})
    assert len(server.received) == 1
    assert raised.value.details == {"service": "stock", "status": 503}


def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key() -> None:
    """The service answers a repeated key with its first answer: the POST is safe to repeat."""
    replies = (Reply(503), Reply(201, {"ok": True}))
    with scripted_server(*replies) as server:
        response = client(server.url).post("/things", json={"n": 1}, idempotency_key="k-1")
    assert response.status_code == 201
    assert [(r.method, r.body, r.headers["idempotency-key"]) for r in server.received] == [
        ("POST", {"n": 1}, "k-1"),
        ("POST", {"n": 1}, "k-1"),
    ]


def test_a_keyed_post_is_still_sent_once_when_the_service_does_not_answer_in_time() -> None:
    with scripted_server(Reply(201, hang=True)) as server, pytest.raises(ServiceUnavailable):
        client(server.url).post("/things", json={"n": 1}, idempotency_key="k-2")
    assert len(server.received) == 1  # the time budget is the caller's, key or not


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_connection_closed_without_an_answer_is_asked_again(method: str) -> None:
    """gunicorn closes a kept-alive connection idle for 2 s; a call that reuses it at that
    moment meets the close: an idempotent call goes out again on a new connection."""
    with scripted_server(Reply(200, drop=True), Reply(200, {"n": 1})) as server:
        response = client(server.url).request(method, "/n")
    assert response.json() == {"n": 1}
    assert [r.method for r in server.received] == [method, method]


def test_a_keyed_post_closed_without_an_answer_is_asked_again_with_its_key() -> None:
    with scripted_server(Reply(201, drop=True), Reply(201, {"ok": True})) as server:
        response = client(server.url).post("/charges", json={"n": 1}, idempotency_key="k-3")
    assert response.status_code == 201
    assert [r.headers["idempotency-key"] for r in server.received] == ["k-3", "k-3"]


def test_a_plain_post_closed_without_an_answer_is_not_sent_again() -> None:
    """The service may have done it before the connection closed: without a key, only the
    caller can tell whether asking again is safe."""
    replies = (Reply(201, drop=True), Reply(201, {}))
    with scripted_server(*replies) as server, pytest.raises(ServiceUnavailable) as raised:
        client(server.url).post("/things", json={"n": 1})
    assert len(server.received) == 1
    assert "could not be reached" in raised.value.message


def test_retries_stop_after_the_limit() -> None:
    with scripted_server(Reply(503)) as server, pytest.raises(ServiceUnavailable):
        ServiceClient("stock", server.url, timeout=TIMEOUT, retries=2, backoff=0.01).get("/")
    assert len(server.received) == 3


def test_a_4xx_is_returned_to_the_caller_unretried() -> None:
    body = {"error": {"code": "out_of_stock", "message": "no", "details": {}}}
    with scripted_server(Reply(409, body)) as server:
        response = client(server.url).put("/things/1", json={})
    assert response.status_code == 409
    assert response.json() == body
    assert len(server.received) == 1


def test_the_trace_context_goes_out_as_traceparent() -> None:
    tracer = TracerProvider().get_tracer("test")
    with scripted_server(Reply(200, {})) as server:
        with tracer.start_as_current_span("checkout") as span:
            client(server.url).get("/traced")
        trace_id = format(span.get_span_context().trace_id, "032x")
    traceparent = server.received[0].headers["traceparent"]
    assert traceparent.split("-")[1] == trace_id


def test_a_timeout_given_as_a_callable_is_read_on_every_call() -> None:
    seconds = [0.5]
    service = ServiceClient("stock", "http://127.0.0.1:9", timeout=lambda: seconds[0])
    assert service.timeout == (0.5, 0.5)
    seconds[0] = 0.2
    assert service.timeout == (0.2, 0.2)


def test_every_call_carries_the_timeout() -> None:
    service = ServiceClient("stock", "http://127.0.0.1:1", timeout=2.0, connect_timeout=0.5)
    assert service.timeout == (0.5, 2.0)


PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")


def _without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_the_environment_is_read_when_the_client_is_built_not_per_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_proxies(monkeypatch)
    with scripted_server(Reply(200, {"n": 1})) as server:
        service = client(server.url)
        # a proxy named after the client was built (here one nothing listens on) is not used
        monkeypatch.setenv("HTTP_PROXY", closed_port_url())
        monkeypatch.setenv("http_proxy", closed_port_url())
        assert service.get("/n").json() == {"n": 1}
    assert [r.path for r in server.received] == ["/n"]


def test_a_proxy_named_in_the_environment_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_proxies(monkeypatch)
    with scripted_server(Reply(200, {"via": "proxy"})) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        service = client("http://127.0.0.1:9")
        assert service.get("/n").json() == {"via": "proxy"}
    # a proxy is sent the absolute URI of the service
    assert [r.path for r in proxy.received] == ["http://127.0.0.1:9/n"]


def test_no_proxy_naming_the_service_keeps_its_calls_direct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", closed_port_url())
    monkeypatch.setenv("http_proxy", closed_port_url())
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with scripted_server(Reply(200, {"n": 2})) as server:
        assert client(server.url).get("/n").json() == {"n": 2}


def breaker_client(url: str, failures: int = 2) -> ServiceClient:
    breaker = CircuitBreaker(
        client="shop", upstream="stock", instance="test", failures=failures, reset_seconds=60
    )
    return ServiceClient("stock", url, timeout=TIMEOUT, backoff=0.01, breaker=breaker)


def test_failed_calls_in_a_row_open_the_circuit_and_then_nothing_is_sent() -> None:
    with scripted_server(Reply(500, {"error": {}})) as server:
        service = breaker_client(server.url)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable, match="answered 500"):
                service.post("/things", json={})
        with pytest.raises(ServiceUnavailable) as refused:
            service.post("/things", json={})
    assert len(server.received) == 2  # the refused call never reached the service
    assert refused.value.http_status == 503
    assert refused.value.details == {"service": "stock", "circuit": "open", "retry_after": 60}
    assert "resume in about 60 s" in refused.value.message


def test_a_call_retried_after_503s_counts_as_one_failure() -> None:
    with scripted_server(Reply(503)) as server:
        service = breaker_client(server.url)
        with pytest.raises(ServiceUnavailable, match="answered 503"):
            service.get("/n")  # three requests: the call and its two retries
        assert service.breaker.state() == "closed"
        with pytest.raises(ServiceUnavailable, match="answered 503"):
            service.get("/n")
    assert len(server.received) == 6
    assert service.breaker.state() == "open"


def test_an_unreachable_service_opens_the_circuit() -> None:
    service = breaker_client(closed_port_url(), failures=1)
    with pytest.raises(ServiceUnavailable, match="could not be reached"):
        service.get("/n")
    with pytest.raises(ServiceUnavailable, match="resume in about"):
        service.get("/n")


def test_4xx_answers_never_open_the_circuit() -> None:
    with scripted_server(Reply(409, {"error": {"code": "out_of_stock"}})) as server:
        service = breaker_client(server.url, failures=1)
        for _ in range(3):
            assert service.put("/things/1", json={}).status_code == 409
    assert len(server.received) == 3
    assert service.breaker.state() == "closed"


FRAUD_DOWN = Reply(
    503,
    {
        "error": {
            "code": "service_unavailable",
            "message": "The fraud service could not be reached; please try again shortly.",
            "details": {"service": "fraud"},
        }
    },
    headers=(("Unavailable-Service", "fraud"),),
)


def test_a_503_naming_a_dependency_is_passed_on_unretried_and_leaves_the_circuit_closed() -> None:
    with scripted_server(FRAUD_DOWN) as server:
        service = breaker_client(server.url, failures=1)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable) as raised:
                service.request("POST", "/charges", json={}, idempotency_key="order-1")
            assert raised.value.details == {"service": "fraud"}
            assert raised.value.message.startswith("The fraud service could not be reached")
    assert len(server.received) == 2, "a keyed POST was retried: fraud would be asked again"
    assert service.breaker.state() == "closed", "the answering service is not failing"


def test_a_503_naming_the_service_itself_is_its_own_failure() -> None:
    own = Reply(
        503,
        {"error": {"details": {"service": "stock"}}},
        headers=(("Unavailable-Service", "stock"),),
    )
    with scripted_server(own) as server:
        service = breaker_client(server.url, failures=1)
        with pytest.raises(ServiceUnavailable, match="answered 503"):
            service.get("/n")
    assert len(server.received) == 3, "its own 503 is retried as before"
    assert service.breaker.state() == "open"

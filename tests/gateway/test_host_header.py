"""RFC 9112 section 3.2 at both gateways: an HTTP/1.1 request without a Host header, or with
two, is answered 400 and reaches no upstream; HTTP/1.0 may still leave Host out."""

from __future__ import annotations

import socket

import pytest

from tests.gateway.conftest import Gateway


def _raw(gateway: Gateway, data: bytes) -> bytes:
    """Send ``data`` as it is; the reply read until the gateway closes the connection."""
    host, port = gateway.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GET /api/items/1 HTTP/1.1\r\n\r\n", id="no Host"),
        pytest.param(
            b"GET /api/items/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", id="two Host headers"
        ),
    ],
)
def test_http11_request_without_exactly_one_host_is_a_400_that_reaches_no_upstream(
    gateway: Gateway, request_bytes: bytes
) -> None:
    reply = _raw(gateway, request_bytes)

    assert _status(reply) == 400, reply[:300]
    if gateway.kind == "python":  # nginx answers its own HTML page
        assert b'"code":"missing_host"' in reply or b'"code":"duplicate_host"' in reply
    assert all(not upstream.requests for upstream in gateway.world.upstreams.values())


def test_http10_request_without_host_is_still_answered(gateway: Gateway) -> None:
    reply = _raw(gateway, b"GET /api/items/1 HTTP/1.0\r\n\r\n")

    assert _status(reply) == 200, reply[:300]
    assert [r.path for r in gateway.world.upstream("app").requests] == ["/api/items/1"]

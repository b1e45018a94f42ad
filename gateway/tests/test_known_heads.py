"""Replies whose head llhttp has parsed before skip llhttp, and answer exactly as parsed ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.pipeline.relay import RelayExchange
from gateway.server import Request
from gateway.upstreams import connection as upstream_connection
from gateway.upstreams.connection import Exchange, KnownHead, UpstreamConnection

BODY = b'{"id": 1}'
HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(BODY)
)


class Recording(Exchange):
    __slots__ = ("calls",)

    def __init__(self) -> None:
        super().__init__()
        self.request_sent = True
        self.calls: list[tuple[Any, ...]] = []

    def response_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool, chunked: bool
    ) -> None:
        self.calls.append(("head", status, list(headers), keep_alive, chunked))

    def response_body(self, data: bytes) -> None:
        self.calls.append(("body", data))

    def response_done(self) -> None:
        self.calls.append(("done",))

    def failed(self, kind: str) -> None:
        self.calls.append(("failed", kind))


class Pool:
    def __init__(self) -> None:
        self.inflight: set[UpstreamConnection] = set()
        self.released: list[bool] = []

    def forget(self, conn: UpstreamConnection) -> None:
        pass

    def release(self, conn: UpstreamConnection, keep_alive: bool) -> None:
        self.released.append(keep_alive)

    def close_idle(self) -> None:
        pass


class Transport:
    def write(self, data: bytes) -> None:
        pass

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


class FailingParser:
    """Stands in for llhttp where a test says it must not be reached."""

    def feed_data(self, data: bytes) -> None:
        raise AssertionError("llhttp was fed a reply whose head is known")


@pytest.fixture(autouse=True)
def no_known_heads() -> Iterator[None]:
    upstream_connection._KNOWN_HEADS.clear()
    yield
    upstream_connection._KNOWN_HEADS.clear()


def exchange_of(
    conn: UpstreamConnection, reads: list[bytes], head_request: bool = False
) -> list[tuple[Any, ...]]:
    exchange = Recording()
    conn.start(exchange, b"GET / HTTP/1.1\r\n\r\n", 30.0, head_request)
    for data in reads:
        conn.data_received(data)
    return exchange.calls


def connection(loop: asyncio.AbstractEventLoop) -> tuple[UpstreamConnection, Pool]:
    pool = Pool()
    conn = UpstreamConnection(pool, loop)
    conn.connection_made(Transport())  # type: ignore[arg-type]
    return conn, pool


def test_a_known_head_answers_as_llhttp_did_without_llhttp(loop: asyncio.AbstractEventLoop) -> None:
    conn, pool = connection(loop)
    parsed = exchange_of(conn, [HEAD + BODY])
    assert parsed[0] == ("head", 200, parsed[0][2], True, False)
    assert parsed[1:] == [("body", BODY), ("done",)]
    parser = conn.parser
    conn.parser = FailingParser()  # type: ignore[assignment]
    assert exchange_of(conn, [HEAD + BODY]) == parsed
    assert pool.released == [True, True]
    conn.parser = parser
    assert exchange_of(conn, [HEAD + BODY]) == parsed  # llhttp was left between two replies


def test_a_known_head_with_another_body_length_is_parsed(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = connection(loop)
    exchange_of(conn, [HEAD + BODY])
    assert exchange_of(conn, [HEAD + BODY[:4], BODY[4:]]) == [
        ("head", 200, [(b"Server", b"nginx"), (b"Content-Type", b"application/json"),
                       (b"Content-Length", b"9"), (b"Connection", b"keep-alive")], True, False),
        ("body", BODY[:4]),
        ("body", BODY[4:]),
        ("done",),
    ]  # fmt: skip
    with pytest.raises(AssertionError, match="llhttp was fed"):
        conn.parser = FailingParser()  # type: ignore[assignment]
        exchange_of(conn, [HEAD + BODY + b"HTTP/1.1 200 OK\r\n"])  # more than the one reply


def test_a_reply_in_pieces_or_after_an_interim_one_is_not_remembered(
    loop: asyncio.AbstractEventLoop,
) -> None:
    conn, _ = connection(loop)
    exchange_of(conn, [HEAD, BODY])
    exchange_of(conn, [b"HTTP/1.1 100 Continue\r\n\r\n" + HEAD + BODY])
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n%s\r\n0\r\n\r\n" % BODY
    exchange_of(conn, [chunked])
    assert upstream_connection._KNOWN_HEADS == {}


def test_a_head_request_is_never_answered_from_a_known_head(
    loop: asyncio.AbstractEventLoop,
) -> None:
    conn, _ = connection(loop)
    exchange_of(conn, [HEAD + BODY])
    calls = exchange_of(conn, [HEAD], head_request=True)
    assert [call[0] for call in calls] == ["head", "done"]
    assert exchange_of(conn, [HEAD + BODY])[1:] == [("body", BODY), ("done",)]


@pytest.mark.parametrize(
    "headers",
    [
        [(b"Server", b"nginx"), (b"Content-Length", b"9"), (b"Connection", b"keep-alive")],
        [(b"Content-Length", b"9"), (b"Connection", b"x-hop"), (b"X-Hop", b"1"), (b"Vary", b"*")],
        [(b"Keep-Alive", b"timeout=5"), (b"X-Request-ID", b"up"), (b"Content-Length", b"9")],
    ],
    ids=["plain", "connection-names-a-header", "hop-by-hop"],
)
@pytest.mark.parametrize("version", ["1.1", "1.0", "1.1-close"])
def test_a_relay_answers_a_known_head_as_a_parsed_one(
    headers: list[tuple[bytes, bytes]], version: str
) -> None:
    def relay() -> RelayExchange:
        request = Request(0.0, "127.0.0.1")
        request.method = "GET"
        request.http11 = version != "1.0"
        request.keep_alive = version == "1.1"
        return RelayExchange(None, request, b"x-request-id: r\r\n", print)  # type: ignore[arg-type]

    parsed = relay()
    parsed.response_head(200, headers, True, False)
    known = KnownHead(200, headers, True, 9, {})
    for _ in range(2):  # the second from what the first derived
        again = relay()
        again.response_known(known)
        assert (again.pending, again.status, again.close_after, again.chunk_out) == (
            parsed.pending,
            parsed.status,
            parsed.close_after,
            parsed.chunk_out,
        )
    assert "relayed" in known.derived

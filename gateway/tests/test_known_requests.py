"""Request heads read before skip llhttp, and make the same request parsing would."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.policy.forwarded import TrustedProxies
from gateway.server import connection as client_connection
from gateway.server.connection import ClientConnection
from gateway.server.connection import Dispatcher as DispatcherPort
from gateway.server.ports import ClientResolver
from gateway.server.request import Reject, Request

HEAD = (
    b"GET /api/v1/items?page=2 HTTP/1.1\r\nHost: shop\r\nAccept: */*\r\n"
    b"X-Forwarded-For: 203.0.113.7\r\nX-User-Id: 1\r\nConnection: keep-alive, x-trace\r\n"
    b"X-Trace: 1\r\n\r\n"
)


class Dispatcher:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.refusals: list[Reject] = []

    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        self.requests.append(request)
        conn.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        conn.finished(request)

    def refused(self, reject: Reject) -> None:
        self.refusals.append(reject)


class Listener:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, dispatcher: Dispatcher, trusted: TrustedProxies
    ) -> None:
        self.loop = loop
        self.dispatcher: DispatcherPort = dispatcher
        self.max_body = 1024
        self.trusted_proxies: ClientResolver = trusted
        self.connections: set[ClientConnection] = set()


class Transport:
    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.written: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.peer, 40000) if name == "peername" else default

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class CountingParser:
    """llhttp's parser, counting what it is fed."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.fed = 0

    def feed_data(self, data: bytes) -> None:
        self.fed += 1
        self.parser.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parser, name)


@pytest.fixture(autouse=True)
def no_known_requests() -> Iterator[None]:
    client_connection._KNOWN_REQUESTS.clear()
    yield
    client_connection._KNOWN_REQUESTS.clear()


def connect(
    loop: asyncio.AbstractEventLoop, peer: str = "127.0.0.1", trusted: str = ""
) -> tuple[ClientConnection, Dispatcher, Transport, CountingParser]:
    networks = [ipaddress.ip_network(trusted)] if trusted else []
    dispatcher = Dispatcher()
    listener = Listener(loop, dispatcher, TrustedProxies(networks))
    conn = ClientConnection(listener)
    transport = Transport(peer)
    conn.connection_made(transport)  # type: ignore[arg-type]
    counting = CountingParser(conn.parser)
    conn.parser = counting  # type: ignore[assignment]
    return conn, dispatcher, transport, counting


def parsed(request: Request) -> dict[str, Any]:
    fields = {name: getattr(request, name) for name in Request.__slots__}
    del fields["started"]
    return fields


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8"])
def test_a_known_head_makes_the_request_parsing_made(
    loop: asyncio.AbstractEventLoop, trusted: str
) -> None:
    conn, dispatcher, transport, parser = connect(loop, "10.0.0.5", trusted)
    for _ in range(3):
        conn.data_received(HEAD)
    assert parser.fed == 1
    first, *again = dispatcher.requests
    assert first.client == ("203.0.113.7" if trusted else "10.0.0.5")
    assert first.headers == [(b"host", b"shop"), (b"accept", b"*/*")]
    assert [parsed(request) for request in again] == [parsed(first)] * 2
    assert first.started < again[0].started < again[1].started
    assert len(transport.written) == 3 and not transport.closed
    other, other_dispatcher, _, other_parser = connect(loop)  # known to every connection
    other.data_received(HEAD)
    assert other_parser.fed == 0 and other_dispatcher.requests[0].client == "127.0.0.1"


def test_reads_that_are_not_one_whole_bodyless_request_are_parsed(
    loop: asyncio.AbstractEventLoop,
) -> None:
    conn, dispatcher, _, parser = connect(loop)
    with_body = b"POST /items HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\n\r\n{}"
    for read in (HEAD + HEAD, HEAD[:20], HEAD[20:], with_body, with_body):
        conn.data_received(read)
    assert parser.fed == 5
    assert client_connection._KNOWN_REQUESTS == {}
    assert len(dispatcher.requests) == 5


@pytest.mark.parametrize(
    "last",
    [b"GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n"],
    ids=["connection-close", "refused-no-host"],
)
def test_after_a_last_request_every_read_is_parsed(
    loop: asyncio.AbstractEventLoop, last: bytes
) -> None:
    conn, dispatcher, transport, parser = connect(loop)
    conn.data_received(HEAD)
    conn.data_received(HEAD)  # known from here on
    conn.closed = False  # as if the close had not happened yet: the next read races it
    conn.data_received(last)
    conn.closed = False
    conn.data_received(HEAD)
    assert parser.fed == 3  # the known head went to llhttp, which refuses what follows
    assert len(dispatcher.requests) == (3 if b"close" in last else 2)
    assert transport.closed

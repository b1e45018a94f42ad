"""One keep-alive connection to an upstream instance: an asyncio Protocol and an httptools parser.

The client is deliberately small (docs/design.md: a general-purpose client costs more than
the whole server side). A connection serves one :class:`Exchange` at a time: the exchange
decides what to do with the response (relay it to a client while it streams, or collect it
for a handler); the connection only parses, reports, applies the read timeout the registry's
sweeper asks for, and hands itself back to its instance's pool when the reply is over.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

import httptools


class Exchange:
    """One request on one upstream connection; subclasses decide where the response goes."""

    __slots__ = ("conn", "head_seen", "request_sent")

    def __init__(self) -> None:
        self.conn: UpstreamConnection | None = None
        self.head_seen = False
        self.request_sent = False  # the whole request is written: the connection may be reused

    def response_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool, chunked: bool
    ) -> None:
        raise NotImplementedError

    def response_body(self, data: bytes) -> None:
        raise NotImplementedError

    def response_done(self) -> None:
        raise NotImplementedError

    def failed(self, kind: str) -> None:
        """``kind``: ``reset`` (connection lost / bad reply), ``timeout``, or ``client_gone``."""
        raise NotImplementedError

    def upstream_paused(self, paused: bool) -> None:
        """The upstream socket's write buffer is full (True) or drained (False)."""


class Home(Protocol):
    """The instance pool a connection belongs to (:class:`~.pool.InstanceState`)."""

    inflight: set[UpstreamConnection]  # connections waiting for a reply, for the sweeper

    def forget(self, conn: UpstreamConnection) -> None: ...

    def release(self, conn: UpstreamConnection, keep_alive: bool) -> None: ...


class UpstreamConnection(asyncio.Protocol):
    __slots__ = (
        "chunked",
        "close_delimited",
        "closed",
        "counted",
        "exchange",
        "has_length",
        "head_request",
        "headers",
        "idle_since",
        "instance",
        "last_activity",
        "loop",
        "parser",
        "reused",
        "timeout",
        "transport",
    )

    def __init__(self, instance: Home, loop: asyncio.AbstractEventLoop) -> None:
        self.instance = instance
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.idle_since = 0.0
        self.closed = False
        self.reused = False
        self.counted = False  # in its instance's in-flight count
        self.head_request = False
        self.close_delimited = False
        self.chunked = False  # the reply being parsed has Transfer-Encoding
        self.has_length = False  # ... has Content-Length
        self.last_activity = 0.0
        self.timeout = 30.0

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self.exchange is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self.last_activity = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail("reset")

    def eof_received(self) -> bool | None:
        exchange = self.exchange
        if exchange is not None and exchange.head_seen and self.close_delimited:
            self._finish(False)  # a body without length or chunks ends with the connection
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_watch()
        self.instance.forget(self)
        if self.exchange is not None:
            self._fail("reset")

    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.upstream_paused(True)

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.upstream_paused(False)

    # --- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        size = len(name)
        if size == 14 or size == 17:  # maybe Content-Length / Transfer-Encoding: the framing
            lowered = name.lower()
            if lowered == b"transfer-encoding":
                self.chunked = True
            elif lowered == b"content-length":
                self.has_length = True

    def on_headers_complete(self) -> None:
        chunked, self.chunked = self.chunked, False
        has_length, self.has_length = self.has_length, False
        exchange = self.exchange
        if exchange is None:
            return
        parser = self.parser
        status = parser.get_status_code()
        if status < 200:  # 1xx interim replies are not relayed; the final reply follows
            self.headers = []
            return
        exchange.head_seen = True
        headers, self.headers = self.headers, []
        self.close_delimited = not (chunked or has_length)
        exchange.response_head(status, headers, parser.should_keep_alive(), chunked)
        if self.head_request or status in (204, 304):
            # llhttp would wait for a HEAD reply's Content-Length bytes: end it here, and parse
            # the next reply on this connection with a fresh parser.
            self.parser = httptools.HttpResponseParser(self)
            self._finish(parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.response_body(body)

    def on_message_complete(self) -> None:
        if self.exchange is not None and self.exchange.head_seen:
            self._finish(self.parser.should_keep_alive())

    # --- used by the pool and the exchanges --------------------------------------------------

    def start(self, exchange: Exchange, head: bytes, timeout: float, head_request: bool) -> None:
        self.exchange = exchange
        exchange.conn = self
        self.head_request = head_request
        self.timeout = timeout
        self.last_activity = self.loop.time()
        self.instance.inflight.add(self)  # the registry's sweeper enforces the timeout
        assert self.transport is not None
        self.transport.write(head)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def exchange_request_sent(self) -> None:
        if self.exchange is not None:
            self.exchange.request_sent = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.instance.forget(self)
            if self.transport is not None:
                self.transport.close()

    def abort(self) -> None:
        """The client side gave up: drop the connection, tell the exchange ``client_gone``."""
        self._fail("client_gone")

    def pause_reading(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def check_timeout(self, now: float) -> None:
        """A read timeout: no byte from the upstream for ``timeout`` seconds."""
        if self.exchange is not None and now - self.last_activity > self.timeout:
            self._fail("timeout")

    def _stop_watch(self) -> None:
        self.instance.inflight.discard(self)

    def _finish(self, keep_alive: bool) -> None:
        exchange = self.exchange
        self.exchange = None
        self.instance.inflight.discard(self)  # _stop_watch, inlined: once per request
        # A reply that came before the whole request was written leaves the connection in an
        # unknown state: never reuse it.
        self.instance.release(self, keep_alive and exchange is not None and exchange.request_sent)
        if exchange is not None:
            exchange.response_done()

    def _fail(self, kind: str) -> None:
        exchange = self.exchange
        self.exchange = None
        self._stop_watch()
        self.instance.release(self, False)
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
        if exchange is not None:
            exchange.failed(kind)

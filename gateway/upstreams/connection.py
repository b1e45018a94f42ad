"""One keep-alive connection to an upstream instance: an asyncio Protocol and an httptools parser.

The client is deliberately small (docs/design.md: a general-purpose client costs more than
the whole server side). A connection serves one :class:`Exchange` at a time: the exchange
decides what to do with the response (relay it to a client while it streams, or collect it
for a handler); the connection only parses, reports, applies the read timeout the registry's
sweeper asks for, and hands itself back to its instance's pool when the reply is over.

An upstream sends the same reply head again and again (the same headers, the same Date for a
second, the same Content-Length for the same resource). A head llhttp has parsed is remembered
by its exact bytes (:data:`_KNOWN_HEADS`) with what it made of it; a later reply that arrives
whole in one read, starts with those very bytes and carries exactly the body length they give
is answered from that, without llhttp and its callbacks. The same bytes parse the same way, so
nothing llhttp would refuse is ever let through: anything else is parsed.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple, Protocol, cast

import httptools

_HEAD_END = b"\r\n\r\n"
_MAX_LEARNED = 8192  # a reply larger than this (head and body) is never learned from
_MAX_KNOWN = 1024  # heads remembered; the dict is emptied when it is full


class KnownHead(NamedTuple):
    """What llhttp made of a reply head: what :meth:`Exchange.response_head` is called with,
    the exact body length the head announces (its one Content-Length), and what exchanges
    derive from the head alone, kept with it (:meth:`Exchange.response_known`)."""

    status: int
    headers: list[tuple[bytes, bytes]]  # never changed once remembered: exchanges only read it
    keep_alive: bool
    length: int
    derived: dict[str, Any]


_KNOWN_HEADS: dict[bytes, KnownHead] = {}


def _head_of(data: bytes, status: int, headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The head ``data`` starts with, when ``data`` is that head plus exactly the one
    Content-Length of body it announces, its lines end in CRLF only and it is not 1xx/204/304
    (those end without a body llhttp would count); else None."""
    if status < 200 or status in (204, 304):
        return None
    end = data.find(_HEAD_END) + 4
    if end < 4:
        return None
    head = data[:end]
    if head.count(b"\n") != head.count(b"\r\n"):
        return None
    lengths = [value for name, value in headers if name.lower() == b"content-length"]
    if len(lengths) != 1 or not lengths[0].isdigit() or int(lengths[0]) != len(data) - end:
        return None
    return head


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

    def response_known(self, known: KnownHead) -> None:
        """The head of the reply is ``known``'s (not chunked); an exchange may keep what it
        derives from the head alone in ``known.derived``."""
        self.response_head(known.status, known.headers, known.keep_alive, False)

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

    def close_idle(self) -> None: ...


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
        "in_message",
        "instance",
        "last_activity",
        "learning",
        "loop",
        "parser",
        "pending_head",
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
        self.in_message = False  # llhttp holds part of a reply: the next bytes continue it
        self.learning: bytes | None = None  # a whole reply in one read, being parsed
        self.pending_head: KnownHead | None = None  # what llhttp made of that reply's head

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        exchange = self.exchange
        if exchange is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self.last_activity = self.loop.time()
        if not self.in_message and not self.head_request:
            end = data.find(_HEAD_END) + 4
            known = _KNOWN_HEADS.get(data[:end]) if end >= 4 else None
            if known is not None and len(data) - end == known.length:
                self._known_reply(exchange, known, data, end)
                return
            if len(data) <= _MAX_LEARNED:
                self.learning = data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail("reset")
        self.learning = None

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

    def on_message_begin(self) -> None:
        self.in_message = True

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
            self.learning = None  # the read does not start with the final reply's head
            return
        exchange.head_seen = True
        headers, self.headers = self.headers, []
        self.close_delimited = not (chunked or has_length)
        keep_alive = parser.should_keep_alive()
        if self.learning is not None and has_length and not chunked and not self.head_request:
            self.pending_head = KnownHead(status, headers, keep_alive, -1, {})
        exchange.response_head(status, headers, keep_alive, chunked)
        if self.head_request or status in (204, 304):
            # llhttp would wait for a HEAD reply's Content-Length bytes: end it here, and parse
            # the next reply on this connection with a fresh parser.
            self.parser = httptools.HttpResponseParser(self)
            self.in_message = False
            self._finish(keep_alive)

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.response_body(body)

    def on_message_complete(self) -> None:
        self.in_message = False
        pending, self.pending_head = self.pending_head, None
        if pending is not None and self.learning is not None:
            self._learn(self.learning, pending)
        if self.exchange is not None and self.exchange.head_seen:
            self._finish(self.parser.should_keep_alive())

    # --- replies with a known head -----------------------------------------------------------

    def _learn(self, data: bytes, parsed: KnownHead) -> None:
        """Remember the head of ``data``, a whole reply llhttp has just parsed from its first
        byte to its last, with what llhttp made of it."""
        head = _head_of(data, parsed.status, parsed.headers)
        if head is None:
            return
        if len(_KNOWN_HEADS) >= _MAX_KNOWN:  # bounded: heads that change make new entries
            _KNOWN_HEADS.clear()
        _KNOWN_HEADS[head] = parsed._replace(length=len(data) - len(head))

    def _known_reply(self, exchange: Exchange, known: KnownHead, data: bytes, end: int) -> None:
        """The calls llhttp would have made for ``data``, a head it parsed before and its
        whole body; its parser is left as it was, between two replies."""
        exchange.head_seen = True
        self.close_delimited = False
        exchange.response_known(known)
        if known.length:
            exchange.response_body(data[end:])
        if self.exchange is exchange:
            self._finish(known.keep_alive)

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

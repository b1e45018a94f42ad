"""The client side: one asyncio Protocol per connection, parsed by httptools.

Hostile input is refused here, before a route is matched and long before an upstream is
contacted: malformed requests (llhttp is strict: bare CR/LF, NUL, smuggling-prone
Content-Length/Transfer-Encoding pairs), URLs and header blocks over their limits, bodies over
``max_body``, path traversal in any encoding, and slow clients (the sweeper of
:class:`~gateway.server.answering.Answering` closes connections whose head or body stalls).
Each parsed request is handed to the :class:`~gateway.server.ports.Dispatcher` or queued
behind the one being answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import perf_counter
from typing import Protocol, cast

import httptools

from gateway.server.answering import MAX_QUEUED, Answering
from gateway.server.ports import BodySink, ClientResolver, Refusals
from gateway.server.request import (
    _AUTH,
    _CONNECTION,
    _EXPECT,
    _HOST,
    _LENGTH,
    _METHODS,
    _REQUEST_ID,
    _SPECIAL,
    _TE,
    _TRACEPARENT,
    _XFF,
    IDENTITY_PREFIX,
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_URL,
    Reject,
    Request,
    path_problem,
)

logger = logging.getLogger("gateway.server")

BODY_BUFFER = 256 * 1024  # request body held while no upstream takes it, before reading pauses


class Dispatcher(Refusals, Protocol):
    """What the server calls up to (the request pipeline implements it)."""

    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        """Answer ``request``; the answer ends with ``conn.finished(request, close)``."""
        ...


class Listening(Protocol):
    """What every connection of one listening socket shares (:class:`~.listener.Listener`)."""

    loop: asyncio.AbstractEventLoop
    dispatcher: Dispatcher
    max_body: int
    trusted_proxies: ClientResolver
    connections: set[ClientConnection]


class ClientConnection(Answering, asyncio.Protocol):
    def __init__(self, listener: Listening) -> None:
        self.listener = listener
        self.dispatcher: Refusals = listener.dispatcher
        self.dispatch = listener.dispatcher.dispatch
        self.loop = listener.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.client = "-"
        self.client_bytes = b"-"
        self.trusted = False  # the peer is a trusted proxy: X-Forwarded-For names the client
        self.parsing: Request | None = None
        self.current: Request | None = None
        self.queue: deque[Request] = deque()
        self.rejection: Reject | None = None
        self.closed = False
        self.write_paused = False
        self.read_pauses: set[str] = set()
        self.upstream: BodySink | None = None
        self.headers_since = 0.0  # while a request head is being read
        self.body_since = 0.0  # while a request body is being read: last progress
        self.idle_since = 0.0  # while nothing is going on

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if peer else "-"
        self.client_bytes = self.client.encode()
        proxies = self.listener.trusted_proxies
        self.trusted = bool(proxies) and proxies.trusts(self.client)
        self.headers_since = self.loop.time()  # a client that says nothing is a slow client
        self.listener.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.listener.connections.discard(self)
        self._drop_upstream()  # nobody will read the rest of the reply
        for request in (self.current, self.parsing):
            if request is not None and request.waiter is not None and not request.waiter.done():
                request.waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            reject = exc.__context__
            if isinstance(reject, Reject):
                self.reject(reject)
            else:
                logger.exception("request parsing failed")
                self.reject(Reject(400, "malformed_request", "The request could not be parsed."))
        except httptools.HttpParserUpgrade:
            self.reject(
                Reject(400, "upgrade_not_supported", "Protocol upgrades are not supported.")
            )
        except httptools.HttpParserInvalidURLError:
            self.reject(Reject(400, "malformed_request", "The request target is not a valid URL."))
        except httptools.HttpParserError as exc:
            self.reject(Reject(400, "malformed_request", f"Malformed request: {exc}."))

    def eof_received(self) -> bool | None:
        # A client that half-closes after its request still gets the reply.
        return self.current is not None

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.upstream is not None:
            self.upstream.resume_reading()

    def start(self, request: Request) -> None:
        """Hand ``request`` to the gateway: it is the one being answered now."""
        self.current = request
        self.dispatch(self, request)

    # --- httptools callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        # uvloop's clock ticks in milliseconds: fine for timeouts, too coarse for durations
        self.parsing = Request(perf_counter(), self.client)
        self.headers_since = self.loop.time()
        self.idle_since = 0.0

    def on_url(self, url: bytes) -> None:
        request = self.parsing
        assert request is not None
        request.url += url
        request.header_bytes += len(url)
        if request.header_bytes > MAX_URL:
            raise Reject(414, "uri_too_long", f"The request target is longer than {MAX_URL} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self.parsing
        assert request is not None
        request.header_bytes += len(name) + len(value) + 4
        if request.header_bytes > MAX_HEADER_BYTES or len(request.headers) >= MAX_HEADERS:
            raise Reject(431, "headers_too_large", "The request's headers are too large.")
        lowered = name.lower()
        kind = _SPECIAL.get(lowered)
        if kind is None:
            if not lowered.startswith(IDENTITY_PREFIX):
                request.headers.append((lowered, value))
            return
        if kind == _HOST:
            if request.host is not None:  # RFC 9112 3.2: which one names the target is unclear
                raise Reject(400, "duplicate_host", "The request has more than one Host header.")
            request.host = value
            request.headers.append((lowered, value))
        elif kind == _AUTH:
            request.authorization = value
            request.headers.append((lowered, value))
        elif kind == _REQUEST_ID:
            request.request_id = value
        elif kind == _TRACEPARENT:
            request.traceparent = value
        elif kind == _LENGTH:
            request.content_length = int(value)  # llhttp has checked it is digits
        elif kind == _TE:
            request.chunked = True
        elif kind == _EXPECT:
            request.expect_continue = value.lower() == b"100-continue"
        elif kind == _XFF:
            request.xff = value if request.xff is None else request.xff + b", " + value
        elif kind == _CONNECTION:
            tokens = [t.strip().lower() for t in value.split(b",")]
            request.connection_tokens = (request.connection_tokens or []) + tokens

    def on_headers_complete(self) -> None:
        request = self.parsing
        assert request is not None
        self.headers_since = 0.0
        if self.trusted:
            request.client = self.listener.trusted_proxies.client(self.client, request.xff)
        parser = self.parser
        if parser.should_upgrade():
            raise Reject(400, "upgrade_not_supported", "Protocol upgrades are not supported.")
        method = parser.get_method()
        request.method = _METHODS.get(method) or method.decode("ascii")
        request.keep_alive = parser.should_keep_alive()
        request.http11 = parser.get_http_version() == "1.1"
        if request.http11 and request.host is None:  # RFC 9112 3.2: a 400, not a guess
            raise Reject(400, "missing_host", "An HTTP/1.1 request must carry a Host header.")
        url = request.url.decode("latin-1")
        path, _, query = url.partition("?")
        problem = path_problem(path)
        if problem is not None:
            raise Reject(400, "path_traversal", problem)
        request.path, request.query = path, query
        if request.content_length > self.listener.max_body:
            raise Reject(
                413,
                "payload_too_large",
                f"The request body is larger than {self.listener.max_body} bytes.",
            )
        if request.connection_tokens:  # headers the client marked hop-by-hop go no further
            named = set(request.connection_tokens) - {b"close", b"keep-alive"}
            if named:
                request.headers = [(n, v) for n, v in request.headers if n not in named]
        if request.has_body:
            self.body_since = self.loop.time()
        else:
            request.complete = True
        if self.current is None:
            self.start(request)
        else:
            self.queue.append(request)
            if len(self.queue) >= MAX_QUEUED:
                self.pause_reading("queue")

    def on_body(self, body: bytes) -> None:
        request = self.parsing
        assert request is not None
        request.received += len(body)
        self.body_since = self.loop.time()
        if request.received > self.listener.max_body:
            raise Reject(
                413,
                "payload_too_large",
                f"The request body is larger than {self.listener.max_body} bytes.",
            )
        sink = request.sink
        if sink is not None:
            sink.write(body)
            return
        request.chunks.append(body)
        request.buffered += len(body)
        if request.buffered > BODY_BUFFER and not request.chunked:
            self.pause_reading("body")

    def on_message_complete(self) -> None:
        request = self.parsing
        assert request is not None
        request.complete = True
        self.body_since = 0.0
        self.parsing = None
        if request.sink is not None:
            request.sink.exchange_request_sent()
        if request.waiter is not None and not request.waiter.done():
            request.waiter.set_result(None)

"""The client side: one asyncio Protocol per connection, parsed by httptools.

Hostile input is refused here, before a route is matched and long before an upstream is
contacted: malformed requests (llhttp is strict: bare CR/LF, NUL, smuggling-prone
Content-Length/Transfer-Encoding pairs), URLs and header blocks over their limits, bodies over
``max_body``, path traversal in any encoding, and slow clients (the sweeper of
:class:`~gateway.server.answering.Answering` closes connections whose head or body stalls).
Each parsed request is handed to the :class:`~gateway.server.ports.Dispatcher` or queued
behind the one being answered.

Clients send the same request head again and again (a poller, a health check, a load
generator). A bodyless request head that llhttp accepted, read whole in one read, is
remembered by its exact bytes with what parsing made of it (:class:`KnownRequest`); a later
read of exactly those bytes, on a connection between two requests, is answered from that
without llhttp and its callbacks. Only what parsing accepted is remembered, and the same bytes
parse the same way, so nothing refused is ever let through; after a request that ends its
connection, or anything refused, a connection's reads all go to llhttp.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import perf_counter
from typing import NamedTuple, Protocol, cast

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
_MAX_KNOWN_HEAD = 4096  # a longer read is never remembered
_MAX_KNOWN = 1024  # heads remembered; emptied when full


class KnownRequest(NamedTuple):
    """What parsing made of a bodyless request head, but for its client and its clock."""

    url: bytes
    method: str
    path: str
    query: str
    headers: tuple[tuple[bytes, bytes], ...]
    header_bytes: int
    host: bytes | None
    authorization: bytes | None
    request_id: bytes | None
    traceparent: bytes | None
    content_length: int
    expect_continue: bool
    xff: bytes | None
    connection_tokens: list[bytes] | None
    http11: bool

    @classmethod
    def of(cls, r: Request) -> KnownRequest:
        return cls(r.url, r.method, r.path, r.query, tuple(r.headers), r.header_bytes, r.host,
                   r.authorization, r.request_id, r.traceparent, r.content_length,
                   r.expect_continue, r.xff, r.connection_tokens, r.http11)  # fmt: skip

    def request(self, started: float, client: str) -> Request:
        r = Request(started, client)
        (r.url, r.method, r.path, r.query, _, r.header_bytes, r.host, r.authorization,
         r.request_id, r.traceparent, r.content_length, r.expect_continue, r.xff,
         r.connection_tokens, r.http11) = self  # fmt: skip
        r.headers = list(self.headers)
        r.complete = True
        return r


_KNOWN_REQUESTS: dict[bytes, KnownRequest] = {}


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
        self.known_ok = True  # reads may be answered from known heads (see the module's doc)
        self.learning: bytes | None = None  # the read being parsed, if it may be remembered
        self.learned: KnownRequest | None = None  # what parsing made of it
        self.begun = 0  # requests begun while parsing the current read

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
        if self.known_ok and self.parsing is None and not self.closed:
            known = _KNOWN_REQUESTS.get(data)
            if known is not None:
                self._known_request(known)
                return
            if len(data) <= _MAX_KNOWN_HEAD:
                self.learning = data
                self.begun = 0
        try:
            self.parser.feed_data(data)
            if self.learning is not None:
                self._learn()
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
        finally:
            self.learning = self.learned = None

    def _learn(self) -> None:
        """After a read parsed as one whole bodyless request: remember its head."""
        learned = self.learned
        if learned is not None and self.begun == 1 and self.parsing is None and self.known_ok:
            if len(_KNOWN_REQUESTS) >= _MAX_KNOWN:  # bounded: heads that change make new ones
                _KNOWN_REQUESTS.clear()
            assert self.learning is not None
            _KNOWN_REQUESTS[self.learning] = learned

    def _known_request(self, known: KnownRequest) -> None:
        """What parsing ``known``'s bytes would have done, from their message's begin to its
        complete, without parsing them: llhttp stays between two requests."""
        request = known.request(perf_counter(), self.client)
        self.headers_since = self.idle_since = 0.0
        if self.trusted:
            request.client = self.listener.trusted_proxies.client(self.client, request.xff)
        self._accept(request)

    def reject(self, reject: Reject) -> None:
        self.known_ok = False  # the parser is broken: every read goes to it, and is refused
        super().reject(reject)

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
        self.begun += 1
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
        if not request.keep_alive:  # llhttp refuses what follows: it must see every read
            self.known_ok = False
        if request.has_body:
            self.body_since = self.loop.time()
        else:
            request.complete = True
            if self.learning is not None:
                self.learned = KnownRequest.of(request)
        self._accept(request)

    def _accept(self, request: Request) -> None:
        """Answer the request whose head is parsed now, or queue it behind the current one."""
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

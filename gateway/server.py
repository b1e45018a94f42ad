"""The client side: one asyncio Protocol per connection, parsed by httptools.

Hostile input is refused here, before a route is matched and long before an upstream is
contacted: malformed requests (llhttp is strict: bare CR/LF, NUL, smuggling-prone
Content-Length/Transfer-Encoding pairs), URLs and header blocks over their limits, bodies over
``max_body``, path traversal in any encoding, and slow clients (a sweeper closes connections
whose head or body stalls). Requests on one connection are answered in order; a pipelined
request waits, with its body buffered, until the one before it is answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from time import perf_counter
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

import httptools

from gateway.proxy import error_body, response_bytes

if TYPE_CHECKING:
    from gateway.app import Gateway
    from gateway.upstreams import UpstreamConnection

logger = logging.getLogger("gateway.server")

MAX_URL = 8192
MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024
MAX_QUEUED = 8  # pipelined requests waiting on one connection before reading pauses
BODY_BUFFER = 256 * 1024  # request body held while no upstream takes it, before reading pauses
KEEPALIVE_TIMEOUT = 75.0

# Headers a client may never set: the gateway alone vouches for who the caller is.
IDENTITY_HEADERS = frozenset({b"x-user-id", b"x-user-email"})
IDENTITY_PREFIX = b"x-authenticated-"

# What on_header does with a header, by lower-case name. Absent: forwarded as is.
_DROP, _HOST, _AUTH, _REQUEST_ID, _TRACEPARENT, _LENGTH, _TE, _EXPECT, _XFF, _CONNECTION = range(10)
_SPECIAL = {
    b"host": _HOST,
    b"authorization": _AUTH,
    b"x-request-id": _REQUEST_ID,
    b"traceparent": _TRACEPARENT,
    b"content-length": _LENGTH,
    b"transfer-encoding": _TE,
    b"expect": _EXPECT,
    b"x-forwarded-for": _XFF,
    b"connection": _CONNECTION,
    b"x-forwarded-proto": _DROP,
    b"x-forwarded-host": _DROP,
    b"keep-alive": _DROP,
    b"te": _DROP,
    b"trailer": _DROP,
    b"upgrade": _DROP,
    b"proxy-connection": _DROP,
    b"proxy-authorization": _DROP,
    b"x-user-id": _DROP,
    b"x-user-email": _DROP,
}

_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_TRACEPARENT_RE = re.compile(rb"00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_ENCODED_TRICKS = ("%2e", "%2f", "%5c", "%00")
_METHODS = {m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")}


def path_problem(path: str) -> str | None:
    """Why a request path is refused, or None. Checked raw and after one percent-decoding."""
    if not path.startswith("/"):
        return "The request target must be an absolute path."
    if "%" not in path and "\\" not in path and "/." not in path and "\x00" not in path:
        return None  # the common case, decided without decoding
    for text in (path, unquote(path)):
        lowered = text.lower()
        if "\\" in text or any(trick in lowered for trick in _ENCODED_TRICKS):
            return "The path holds an encoded dot, slash or backslash."
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
            return "The path holds a control character."
        segments = text.split("/")
        if "." in segments or ".." in segments:
            return "The path holds a '.' or '..' segment."
    return None


class Reject(Exception):
    """Stop parsing and answer with an error, then close the connection."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Request:
    __slots__ = (
        "authorization",
        "buffered",
        "chunked",
        "chunks",
        "complete",
        "connection_tokens",
        "content_length",
        "continue_sent",
        "expect_continue",
        "header_bytes",
        "headers",
        "host",
        "http11",
        "keep_alive",
        "method",
        "path",
        "query",
        "received",
        "request_id",
        "sink",
        "started",
        "traceparent",
        "url",
        "waiter",
        "xff",
    )

    def __init__(self, started: float) -> None:
        self.url = b""
        self.method = ""
        self.path = ""
        self.query = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_bytes = 0
        self.host: bytes | None = None
        self.authorization: bytes | None = None
        self.request_id: bytes | None = None
        self.traceparent: bytes | None = None
        self.content_length = -1
        self.chunked = False
        self.expect_continue = False
        self.xff: bytes | None = None
        self.connection_tokens: list[bytes] | None = None
        self.keep_alive = True
        self.http11 = True
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.received = 0
        self.complete = False
        self.sink: UpstreamConnection | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.continue_sent = False
        self.started = started

    @property
    def has_body(self) -> bool:
        return self.chunked or self.content_length > 0


class ClientConnection(asyncio.Protocol):
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.loop = gateway.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.client = "-"
        self.client_bytes = b"-"
        self.parsing: Request | None = None
        self.current: Request | None = None
        self.queue: deque[Request] = deque()
        self.rejection: Reject | None = None
        self.closed = False
        self.write_paused = False
        self.read_pauses: set[str] = set()
        self.upstream: UpstreamConnection | None = None
        self.headers_since = 0.0  # while a request head is being read
        self.body_since = 0.0  # while a request body is being read: last progress
        self.idle_since = 0.0  # while nothing is going on

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if peer else "-"
        self.client_bytes = self.client.encode()
        self.headers_since = self.loop.time()  # a client that says nothing is a slow client
        self.gw.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.gw.connections.discard(self)
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

    # --- httptools callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        # uvloop's clock ticks in milliseconds: fine for timeouts, too coarse for durations
        self.parsing = Request(perf_counter())
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
        parser = self.parser
        if parser.should_upgrade():
            raise Reject(400, "upgrade_not_supported", "Protocol upgrades are not supported.")
        method = parser.get_method()
        request.method = _METHODS.get(method) or method.decode("ascii")
        request.keep_alive = parser.should_keep_alive()
        request.http11 = parser.get_http_version() == "1.1"
        url = request.url.decode("latin-1")
        path, _, query = url.partition("?")
        problem = path_problem(path)
        if problem is not None:
            raise Reject(400, "path_traversal", problem)
        request.path, request.query = path, query
        if request.content_length > self.gw.max_body:
            raise Reject(
                413,
                "payload_too_large",
                f"The request body is larger than {self.gw.max_body} bytes.",
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
        if request.received > self.gw.max_body:
            raise Reject(
                413,
                "payload_too_large",
                f"The request body is larger than {self.gw.max_body} bytes.",
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

    # --- request lifecycle -------------------------------------------------------------------

    def start(self, request: Request) -> None:
        self.current = request
        self.gw.dispatch(self, request)

    def finished(self, request: Request, close: bool = False) -> None:
        """The reply to ``request`` is written; go on with the next one or close."""
        if self.current is request:
            self.current = None
        if self.closed:
            return
        if close or not request.keep_alive or not request.complete:
            self.close()
            return
        if self.rejection is not None:
            self._write_rejection(self.rejection)
            return
        if self.queue:
            self.start(self.queue.popleft())
            if len(self.queue) < MAX_QUEUED:
                self.resume_reading("queue")
        else:
            self.idle_since = self.loop.time()

    def reject(self, reject: Reject) -> None:
        """Answer a request refused while parsing; the connection closes after it."""
        self.headers_since = self.body_since = 0.0
        self.pause_reading("rejected")
        self.gw.metrics.observe("-", reject.status, 0.0)
        if self.current is None or self.current is self.parsing:
            # nothing is being answered, or the refused request is the one in flight (its body
            # broke a limit): it will never be complete, so answer now
            self._write_rejection(reject)
            self._drop_upstream()
        else:  # a request before it is still being answered: answer this one after it
            self.rejection = reject

    def _write_rejection(self, reject: Reject) -> None:
        self.write(
            response_bytes(
                reject.status,
                error_body(reject.code, reject.message),
                close=True,
            )
        )
        self.gw.log_rejection(self, reject)
        self.close()

    def _drop_upstream(self) -> None:
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            upstream.abort()

    def write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def writelines(self, data: tuple[bytes, ...]) -> None:
        if not self.closed and self.transport is not None:
            self.transport.writelines(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()

    def pause_reading(self, reason: str) -> None:
        if not self.read_pauses and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self.read_pauses.add(reason)

    def resume_reading(self, reason: str) -> None:
        if reason not in self.read_pauses:
            return
        self.read_pauses.discard(reason)
        if not self.read_pauses and self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def flow_from_upstream(self, paused: bool) -> None:
        if paused:
            self.pause_reading("upstream")
        else:
            self.resume_reading("upstream")

    # --- bodies -------------------------------------------------------------------------------

    def send_continue(self, request: Request) -> None:
        if request.expect_continue and not request.continue_sent and not request.complete:
            request.continue_sent = True
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    async def read_body(self, request: Request) -> bytes:
        """The whole body (bounded by ``max_body``); empty if the client went away."""
        if not request.complete:
            self.send_continue(request)
            self.resume_reading("body")
            request.waiter = self.loop.create_future()
            await request.waiter
        return b"".join(request.chunks)

    def attach_body(self, request: Request, upstream: UpstreamConnection) -> None:
        """Send what is buffered of the body to ``upstream`` and stream the rest to it."""
        chunks = request.chunks
        if chunks:
            for chunk in chunks:
                upstream.write(chunk)
            request.chunks = []
            request.buffered = 0
        if request.complete:
            upstream.exchange_request_sent()
        else:
            request.sink = upstream
            self.send_continue(request)
            self.resume_reading("body")

    # --- the sweeper's view -------------------------------------------------------------------

    def check_timeouts(self, now: float, header_timeout: float) -> None:
        if self.closed:
            return
        if self.headers_since and now - self.headers_since > header_timeout:
            self.headers_since = 0.0
            reject = Reject(408, "request_timeout", "The request head was not received in time.")
            if self.current is None:
                self._write_rejection(reject)
            else:
                self.rejection = reject
        elif self.body_since and now - self.body_since > header_timeout:
            self.body_since = 0.0
            self._write_rejection(
                Reject(408, "request_timeout", "The request body was not received in time.")
            )
            self._drop_upstream()  # it has half a body: it must never get the rest
        elif self.idle_since and now - self.idle_since > KEEPALIVE_TIMEOUT:
            self.close()

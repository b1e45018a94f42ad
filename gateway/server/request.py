"""A request as the client connection parses it, and the rules it is parsed against.

The limits (URL, header count and bytes), how each header is treated by lower-case name
(forwarded, dropped, or kept aside: Host, Authorization, X-Request-ID, traceparent, the body's
framing, X-Forwarded-For, Connection), the identity headers a client may never send, the path
check (:func:`path_problem`: raw and after one percent-decoding, never normalised), the
:class:`Reject` a parsing callback raises to refuse a request, and the :class:`Request` itself.
"""

from __future__ import annotations

import asyncio
import re
from typing import Protocol
from urllib.parse import unquote

MAX_URL = 8192
MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024

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
_TRACEPARENT_RE = re.compile(rb"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
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


class BodySink(Protocol):
    """Where a request body streams to: an upstream connection, whose reading follows ours."""

    def write(self, data: bytes) -> None: ...

    def exchange_request_sent(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def abort(self) -> None: ...


class Reject(Exception):
    """Stop parsing and answer with an error, then close the connection."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.client: str | None = None  # the refused request's client, once it is known


class Request:
    __slots__ = (
        "authorization",
        "buffered",
        "chunked",
        "chunks",
        "client",
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

    def __init__(self, started: float, client: str) -> None:
        self.client = client  # the peer, or the client a trusted proxy forwarded for
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
        self.sink: BodySink | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.continue_sent = False
        self.started = started

    @property
    def has_body(self) -> bool:
        return self.chunked or self.content_length > 0

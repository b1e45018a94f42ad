"""Relaying: an upstream's reply streamed back to the client as it arrives.

Body bytes are passed straight from one socket's callback to the other socket's transport,
never through a coroutine; flow control pauses the reading side when the writing side's
buffer is full.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.http1 import HOP_BY_HOP, status_line
from gateway.server import ClientConnection, Request
from gateway.upstreams import Exchange, KnownHead

_PLAIN_CONNECTION = frozenset({b"keep-alive", b"close"})
_JOIN_LIMIT = 64 * 1024  # a larger body is written after its head, not copied behind it

# What the relay does with a reply header, by its name as the upstream spelt it: an upstream
# sends the same few names on every reply, so each is lowered and classified once, not per reply.
_PASS, _LENGTH, _DROP, _CONNECTION = range(4)
_KINDS: dict[bytes, int] = {}
_MAX_KINDS = 1024  # names an upstream may make up are not all remembered


def _kind(name: bytes) -> int:
    lowered = name.lower()
    if lowered == b"connection":
        kind = _CONNECTION
    elif lowered in HOP_BY_HOP or lowered == b"x-request-id":
        kind = _DROP
    elif lowered == b"content-length":
        kind = _LENGTH
    else:
        kind = _PASS
    if len(_KINDS) < _MAX_KINDS:
        _KINDS[name] = kind
    return kind


def _without_named(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The end-to-end header lines, without those the upstream's ``Connection`` names."""
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named |= {t.strip().lower() for t in value.split(b",")}
    named -= {b"close", b"keep-alive"}
    return [
        name + b": " + value + b"\r\n"
        for name, value in headers
        if (lowered := name.lower()) not in HOP_BY_HOP
        and lowered != b"x-request-id"
        and lowered not in named
    ]


def _relayed(status: int, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bool]:
    """The status line and the upstream's end-to-end header lines, as the client gets them,
    and whether they hold a Content-Length."""
    parts = [status_line(status)]
    has_length = False
    named = False
    kinds = _KINDS
    for name, value in headers:
        kind = kinds.get(name)
        if kind is None:
            kind = _kind(name)
        if kind == _PASS:
            parts += (name, b": ", value, b"\r\n")
        elif kind == _LENGTH:
            has_length = True
            parts += (name, b": ", value, b"\r\n")
        elif kind == _CONNECTION and value.lower() not in _PLAIN_CONNECTION:
            named = True
    if named:
        parts = [status_line(status), *_without_named(headers)]
    return b"".join(parts), has_length


class RelayExchange(Exchange):
    """Streams one upstream reply to the client connection as it arrives."""

    __slots__ = (
        "chunk_out",
        "client",
        "close_after",
        "extra",
        "on_done",
        "pending",
        "request",
        "sent",
        "status",
    )

    def __init__(
        self,
        client: ClientConnection,
        request: Request,
        extra: bytes,
        on_done: Callable[[str], None],
    ) -> None:
        self.conn = None  # Exchange's fields, set here: one call less per request
        self.head_seen = False
        self.request_sent = False
        self.client = client
        self.request = request
        self.extra = extra  # pre-encoded header lines the gateway adds to the reply
        self.on_done: Callable[[str], None] | None = on_done
        self.pending = b""  # the reply's head, sent with the first body bytes: one write
        self.chunk_out = False
        self.status = 0
        self.sent = 0
        self.close_after = False

    def response_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool, chunked: bool
    ) -> None:
        self.status = status
        self._head(*_relayed(status, headers))

    def response_known(self, known: KnownHead) -> None:
        self.status = known.status
        relayed = known.derived.get("relayed")
        if relayed is None:
            relayed = known.derived["relayed"] = _relayed(known.status, known.headers)
        self._head(*relayed)

    def _head(self, lines: bytes, has_length: bool) -> None:
        """The reply's head for the client: the upstream's ``lines`` (see :func:`_relayed`),
        then the framing, the gateway's own lines and the connection's fate."""
        request = self.request
        parts = [lines]
        no_body = request.method == "HEAD" or self.status in (204, 304)
        if not no_body and not has_length:
            if request.http11:
                self.chunk_out = True
                parts.append(b"transfer-encoding: chunked\r\n")
            else:
                self.close_after = True  # HTTP/1.0: the body ends when the connection does
        parts.append(self.extra)
        if self.close_after or not request.keep_alive:
            parts.append(b"connection: close\r\n\r\n")
            self.close_after = True
        elif not request.http11:
            parts.append(b"connection: keep-alive\r\n\r\n")
        else:
            parts.append(b"\r\n")
        self.pending = b"".join(parts)

    def response_body(self, data: bytes) -> None:
        self.sent += len(data)
        pending = self.pending  # the head goes out with the first body bytes, in one write
        self.pending = b""
        small = len(data) <= _JOIN_LIMIT
        if self.chunk_out:
            if small:
                self.client.write(b"%s%x\r\n%s\r\n" % (pending, len(data), data))
            else:
                self.client.writelines((pending, b"%x\r\n" % len(data), data, b"\r\n"))
        elif not pending:
            self.client.write(data)
        elif small:
            self.client.write(pending + data)
        else:
            self.client.writelines((pending, data))

    def response_done(self) -> None:
        if self.chunk_out:
            self.client.write(self.pending + b"0\r\n\r\n")
        elif self.pending:
            self.client.write(self.pending)
        self.pending = b""
        on_done, self.on_done = self.on_done, None  # _done, inlined: once per request
        if on_done is not None:
            on_done("ok")

    def failed(self, kind: str) -> None:
        if self.head_seen:  # the client has a partial reply: only closing can tell it
            self.client.abort()
        self._done(kind)

    def _done(self, outcome: str) -> None:
        on_done, self.on_done = self.on_done, None
        if on_done is not None:
            on_done(outcome)

    def upstream_paused(self, paused: bool) -> None:
        self.client.flow_from_upstream(paused)

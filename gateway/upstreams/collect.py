"""Requests the gateway makes for itself: the head written whole, the reply collected whole.

Handlers (composition, translation), shadow copies and JWKS fetches do not stream: they send
a request built by :func:`whole_request_head` and wait for the whole reply, which
:class:`CollectExchange` gathers into an :class:`~gateway.upstreams.outcomes.UpstreamReply`
(or turns into ``UpstreamTimeout`` / ``UpstreamUnavailable``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.http1 import HOP_BY_HOP
from gateway.upstreams.connection import Exchange
from gateway.upstreams.outcomes import UpstreamReply, UpstreamTimeout, UpstreamUnavailable


class CollectExchange(Exchange):
    """Collects the whole reply (for handlers, shadows and health checks)."""

    __slots__ = ("chunks", "future", "headers", "status")

    def __init__(self, future: asyncio.Future[UpstreamReply]) -> None:
        super().__init__()
        self.future = future
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    def response_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool, chunked: bool
    ) -> None:
        self.status = status
        self.headers = [
            (name.lower(), value) for name, value in headers if name.lower() not in HOP_BY_HOP
        ]

    def response_body(self, data: bytes) -> None:
        self.chunks.append(data)

    def response_done(self) -> None:
        if not self.future.done():
            reply = UpstreamReply(self.status, self.headers, b"".join(self.chunks))
            self.future.set_result(reply)

    def failed(self, kind: str) -> None:
        if not self.future.done():
            error: Exception = (
                UpstreamTimeout("upstream timed out")
                if kind == "timeout"
                else UpstreamUnavailable("upstream closed the connection")
            )
            self.future.set_exception(error)


def whole_request_head(
    method: str, target: str, host: str, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1")]
    has_host = False
    for name, value in headers:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered == b"content-length":
            continue
        has_host = has_host or lowered == b"host"
        lines.append(name + b": " + value + b"\r\n")
    if not has_host:
        lines.append(b"host: " + host.encode("latin-1") + b"\r\n")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"content-length: %d\r\n" % len(body))
    lines.append(b"\r\n")
    return b"".join(lines)

"""What a client connection does with parsed requests: answer them in order, refuse, time out.

:class:`Answering` is the half of :class:`~gateway.server.connection.ClientConnection` that
the rest of the gateway calls: requests on one connection are answered in order (a pipelined
request waits, its body buffered, until the one before it is answered), a request refused
while parsing is answered after the ones before it and closes the connection, reading pauses
for any of several reasons (queue full, body buffered, upstream slow, rejected) and resumes
when none is left, a body goes upstream buffered or streamed, and the sweeper closes slow or
idle clients. The other half, parsing, is in :mod:`gateway.server.connection`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from gateway.http1 import error_json, response_bytes
from gateway.server.ports import BodySink, Refusals
from gateway.server.request import Reject, Request

MAX_QUEUED = 8  # pipelined requests waiting on one connection before reading pauses
KEEPALIVE_TIMEOUT = 75.0


class Answering:
    """Request lifecycle, writes, read pausing, bodies and timeouts of a client connection."""

    dispatcher: Refusals
    client: str
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport | None
    parsing: Request | None
    current: Request | None
    queue: deque[Request]
    rejection: Reject | None
    closed: bool
    write_paused: bool
    read_pauses: set[str]
    upstream: BodySink | None
    headers_since: float
    body_since: float
    idle_since: float
    start: Callable[[Request], None]  # hands a request to the dispatcher (ClientConnection)

    # --- request lifecycle -------------------------------------------------------------------

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
        if self.parsing is not None:
            reject.client = self.parsing.client
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
                error_json(reject.code, reject.message),
                close=True,
            )
        )
        if reject.client is None:
            reject.client = self.client
        self.dispatcher.refused(reject)
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

    def attach_body(self, request: Request, upstream: BodySink) -> None:
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

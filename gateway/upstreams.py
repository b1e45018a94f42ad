"""Upstream pools: keep-alive connections per instance, balancing, active and passive health.

The client is deliberately small: an asyncio Protocol with an httptools response parser per
connection, idle connections kept in a LIFO per instance. It is the gateway's hot path (DESIGN
section 8: a general-purpose client costs more than the whole server side).

A connection serves one :class:`Exchange` at a time. The exchange decides what to do with the
response (relay it to a client while it streams, or collect it for a handler); the connection
only parses and reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import httptools

from gateway.handlers import UpstreamReply, UpstreamTimeout, UpstreamUnavailable
from strangler.routing.model import HealthCheck, Instance, Upstream

logger = logging.getLogger("gateway.upstreams")

IDLE_TIMEOUT = 15.0  # an idle pooled connection older than this is closed, not reused
MAX_IDLE = 256  # idle connections kept per instance
PASSIVE_COOL_DOWN = 10.0  # without active checks, an ejected instance is retried after this

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-connection",
    }
)


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

    def __init__(self, instance: InstanceState, loop: asyncio.AbstractEventLoop) -> None:
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


class InstanceState:
    """One ``host:port``: its idle connections, in-flight count and health."""

    def __init__(
        self,
        upstream: str,
        instance: Instance,
        connect_timeout: float,
        inflight: set[UpstreamConnection],
    ) -> None:
        self.upstream = upstream
        self.inflight = inflight
        self.instance = instance
        self.address = instance.address
        self.connect_timeout = connect_timeout
        self.idle: deque[UpstreamConnection] = deque()
        self.active = 0
        self.healthy = True
        self.ejected_until = 0.0  # passive ejection without active checks
        self.connect_errors = 0
        self.passes = 0
        self.fails = 0

    def take_idle(self, loop: asyncio.AbstractEventLoop) -> UpstreamConnection | None:
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.closed:
                continue
            if loop.time() - conn.idle_since > IDLE_TIMEOUT:
                conn.close()
                continue
            conn.reused = True
            conn.counted = True
            self.active += 1
            return conn
        return None

    async def acquire(self, loop: asyncio.AbstractEventLoop) -> UpstreamConnection:
        idle = self.take_idle(loop)
        if idle is not None:
            return idle
        self.active += 1
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    lambda: UpstreamConnection(self, loop), self.instance.host, self.instance.port
                ),
                self.connect_timeout,
            )
        except BaseException:
            self.active -= 1
            raise
        conn.counted = True
        return conn

    def release(self, conn: UpstreamConnection, keep_alive: bool) -> None:
        if conn.counted:
            self.active -= 1
            conn.counted = False
        if keep_alive and not conn.closed and len(self.idle) < MAX_IDLE:
            conn.reused = False
            conn.idle_since = conn.loop.time()
            self.idle.append(conn)
        elif not conn.closed:
            conn.close()

    def forget(self, conn: UpstreamConnection) -> None:
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)

    def close_idle(self) -> None:
        while self.idle:
            self.idle.pop().close()


class UpstreamGroup:
    """An upstream's instances and how one is chosen."""

    def __init__(self, spec: Upstream, states: Mapping[str, InstanceState]) -> None:
        self.spec = spec
        self.name = spec.name
        self.instances = [states[i.address] for i in spec.instances]
        self.least_conn = spec.balance == "least_conn"
        self.cursor = 0

    def available(self, now: float) -> list[InstanceState]:
        return [i for i in self.instances if i.healthy and i.ejected_until <= now]

    def pick(self, exclude: Iterable[InstanceState] = ()) -> InstanceState | None:
        instances = self.instances
        if len(instances) == 1 and not exclude:  # the common case, no list built
            only = instances[0]
            if only.healthy and (
                only.ejected_until == 0.0 or only.ejected_until <= time.monotonic()
            ):
                return only
            return None
        now = time.monotonic()
        candidates = [i for i in self.available(now) if i not in exclude]
        if not candidates:
            return None
        self.cursor += 1
        if self.least_conn:
            start = self.cursor % len(candidates)
            rotated = candidates[start:] + candidates[:start]  # ties broken round robin
            return min(rotated, key=lambda i: i.active)
        return candidates[self.cursor % len(candidates)]

    def unpick(self) -> None:
        """Give back the last round-robin turn (a fast-path attempt that did not use it)."""
        self.cursor -= 1

    def connect_failed(self, instance: InstanceState) -> None:
        instance.connect_errors += 1
        if instance.connect_errors >= self.spec.eject_after and instance.healthy:
            logger.warning(
                "upstream %s instance %s ejected after %d connect errors",
                self.name,
                instance.address,
                instance.connect_errors,
            )
            if self.spec.health is not None:
                instance.healthy = False  # back when an active check passes `rise` times
                instance.passes = 0
            else:
                instance.ejected_until = time.monotonic() + PASSIVE_COOL_DOWN

    def connect_ok(self, instance: InstanceState) -> None:
        instance.connect_errors = 0
        instance.ejected_until = 0.0


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


def request_head(
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


class UpstreamRegistry:
    """Every upstream of the loaded table; implements :class:`gateway.handlers.Upstreams`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.groups: dict[str, UpstreamGroup] = {}
        self.states: dict[tuple[str, str], InstanceState] = {}
        self.health_tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.on_membership: Any = None  # callable(upstream, address, healthy) for metrics
        self.inflight: set[UpstreamConnection] = set()
        self._sweeper: asyncio.TimerHandle | None = None

    def start_timeouts(self, interval: float = 0.1) -> None:
        """Check upstream read timeouts every ``interval`` s: no timer per request."""

        def sweep() -> None:
            now = self.loop.time()
            for conn in list(self.inflight):
                conn.check_timeout(now)
            self._sweeper = self.loop.call_later(interval, sweep)

        self._sweeper = self.loop.call_later(interval, sweep)

    def configure(self, upstreams: Mapping[str, Upstream]) -> None:
        """(Re)build the groups; instances that stay keep their connections and health."""
        states: dict[tuple[str, str], InstanceState] = {}
        groups: dict[str, UpstreamGroup] = {}
        for spec in upstreams.values():
            by_address = {}
            for instance in spec.instances:
                key = (spec.name, instance.address)
                state = self.states.get(key) or InstanceState(
                    spec.name, instance, spec.connect_timeout, self.inflight
                )
                state.connect_timeout = spec.connect_timeout
                states[key] = by_address[instance.address] = state
            groups[spec.name] = UpstreamGroup(spec, by_address)
        for key, state in self.states.items():
            if key not in states:
                state.close_idle()
        self.states, self.groups = states, groups
        self._restart_health_checks()

    def _restart_health_checks(self) -> None:
        for task in self.health_tasks.values():
            task.cancel()
        self.health_tasks = {}
        for group in self.groups.values():
            health = group.spec.health
            if health is None:
                continue
            for state in group.instances:
                key = (group.name, state.address)
                self.health_tasks[key] = self.loop.create_task(
                    self._health_loop(group, state, health)
                )

    async def _health_loop(
        self, group: UpstreamGroup, state: InstanceState, health: HealthCheck
    ) -> None:
        while True:
            ok = await self._probe(state, health, group.spec.protocol)
            if ok:
                state.fails = 0
                state.passes += 1
                if not state.healthy and state.passes >= health.rise:
                    state.healthy = True
                    group.connect_ok(state)
                    logger.warning("upstream %s instance %s back in", group.name, state.address)
                    self._membership(group.name, state)
            else:
                state.passes = 0
                state.fails += 1
                if state.healthy and state.fails >= health.fall:
                    state.healthy = False
                    logger.warning(
                        "upstream %s instance %s out: %d failed health checks",
                        group.name,
                        state.address,
                        state.fails,
                    )
                    self._membership(group.name, state)
            await asyncio.sleep(health.interval)

    def _membership(self, upstream: str, state: InstanceState) -> None:
        if self.on_membership is not None:
            self.on_membership(upstream, state.address, state.healthy)

    async def _probe(self, state: InstanceState, health: HealthCheck, protocol: str) -> bool:
        host, port = state.instance.host, state.instance.port
        try:
            async with asyncio.timeout(health.timeout):
                reader, writer = await asyncio.open_connection(host, port)
                try:
                    if protocol == "grpc" or health.path is None:
                        return True
                    writer.write(
                        f"GET {health.path} HTTP/1.1\r\nHost: {state.address}\r\n"
                        "User-Agent: gateway-health\r\nConnection: close\r\n\r\n".encode()
                    )
                    status_line = await reader.readline()
                    parts = status_line.split(b" ", 2)
                    return len(parts) >= 2 and parts[1].startswith(b"2")
                finally:
                    writer.close()
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            return False

    def is_ready(self) -> dict[str, int]:
        """Healthy instance count per upstream."""
        now = time.monotonic()
        return {name: len(group.available(now)) for name, group in self.groups.items()}

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in self.health_tasks.values():
            task.cancel()
        for state in self.states.values():
            state.close_idle()

    # --- gateway.handlers.Upstreams ---------------------------------------------------------

    def pick_address(self, upstream: str) -> str:
        group = self.groups.get(upstream)
        state = group.pick() if group is not None else None
        if state is None:
            raise UpstreamUnavailable(f"no healthy instance of {upstream}")
        return state.address

    async def request(
        self,
        upstream: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> UpstreamReply:
        group = self.groups.get(upstream)
        if group is None:
            raise UpstreamUnavailable(f"unknown upstream {upstream}")
        tried: list[InstanceState] = []
        while True:
            state = group.pick(tried)
            if state is None:
                raise UpstreamUnavailable(f"no healthy instance of {upstream}")
            try:
                conn = await state.acquire(self.loop)
            except (OSError, TimeoutError) as exc:
                group.connect_failed(state)
                tried.append(state)
                if len(tried) >= len(group.instances):
                    raise UpstreamUnavailable(f"{upstream}: {exc!r}") from exc
                continue
            group.connect_ok(state)
            future: asyncio.Future[UpstreamReply] = self.loop.create_future()
            head = request_head(method, path, state.address, headers, body)
            exchange = CollectExchange(future)
            conn.start(exchange, head + body, timeout, method == "HEAD")
            exchange.request_sent = True
            try:
                return await future
            except UpstreamUnavailable:
                if not conn.reused or exchange.head_seen:
                    raise
                # a pooled connection the upstream had closed: try once more on a fresh one
                tried.clear()

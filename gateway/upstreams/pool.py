"""An upstream's instances: idle connections per instance, balancing, passive ejection.

:class:`InstanceState` is one ``host:port``: a LIFO of idle keep-alive connections, the count
of connections in use and the instance's health. :class:`UpstreamGroup` chooses an instance
(round robin, or least connections with ties broken round robin) among those in the pool, and
ejects one after ``eject_after`` connect errors in a row: until an active check passes again
when the upstream has checks, else for ``PASSIVE_COOL_DOWN`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping

from gateway.upstreams.connection import UpstreamConnection
from strangler.routing.model import Instance, Upstream

logger = logging.getLogger("gateway.upstreams")

IDLE_TIMEOUT = 15.0  # an idle pooled connection older than this is closed, not reused
MAX_IDLE = 256  # idle connections kept per instance
PASSIVE_COOL_DOWN = 10.0  # without active checks, an ejected instance is retried after this


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
        # Traffic goes to an instance at once, but the gateway is not *ready* until an active
        # check has passed: a runner waiting for readiness must not see an upstream that is
        # still starting (it would be ejected a moment later).
        self.verified = False
        self.ejected_until = 0.0  # passive ejection without active checks
        self.connect_errors = 0
        self.passes = 0
        self.fails = 0

    def breaker_state(self, now: float) -> str:
        """The instance's ejection as a circuit breaker: ``open`` while it is out of the pool,
        ``half_open`` once a passive cool-down is over and the next request is the trial,
        ``closed`` otherwise (a connect success closes it, see ``connect_ok``)."""
        if not self.healthy or self.ejected_until > now:
            return "open"
        if self.ejected_until:
            return "half_open"
        return "closed"

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

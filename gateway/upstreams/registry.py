"""Every upstream of the loaded table, and the requests the gateway makes for itself.

:class:`UpstreamRegistry` builds an :class:`~gateway.upstreams.pool.UpstreamGroup` per
upstream from the route table (on reload, instances that stay keep their connections and
health), runs the active health checks and one sweeper for the read timeouts of every
connection in flight (no timer per request), answers readiness, and implements
:class:`gateway.handlers.Upstreams` for handlers: ``request`` (a whole reply, with a retry on
another instance after a connect error, and once on a fresh connection when a pooled one was
stale) and ``pick_address``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from gateway.upstreams.collect import CollectExchange, whole_request_head
from gateway.upstreams.connection import UpstreamConnection
from gateway.upstreams.health import health_loop
from gateway.upstreams.outcomes import UpstreamReply, UpstreamUnavailable
from gateway.upstreams.pool import InstanceState, UpstreamGroup
from strangler.routing.model import Upstream


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
                    health_loop(group, state, health, self._membership)
                )

    def _membership(self, upstream: str, state: InstanceState) -> None:
        if self.on_membership is not None:
            self.on_membership(upstream, state.address, state.healthy)

    def breaker_states(self) -> list[tuple[str, str, str]]:
        """(upstream, instance, breaker state) of every instance, read when metrics are."""
        now = time.monotonic()
        return [
            (group.name, state.address, state.breaker_state(now))
            for group in self.groups.values()
            for state in group.instances
        ]

    def is_ready(self) -> dict[str, int]:
        """Per upstream, the instances in the pool that an active check has seen healthy."""
        now = time.monotonic()
        return {
            name: sum(
                1 for state in group.available(now) if state.verified or group.spec.health is None
            )
            for name, group in self.groups.items()
        }

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
            head = whole_request_head(method, path, state.address, headers, body)
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

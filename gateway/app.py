"""The gateway process: the loaded route table, its auth and rate limits, and dispatch.

A request is answered by one of two paths that answer alike: :mod:`gateway.fastpath` (a plain
proxied request, no task) or :mod:`gateway.pipeline` (match -> auth -> rate limit -> proxy
(:mod:`gateway.forward`) or handler (:mod:`gateway.invoke`); the reserved endpoints are in
:mod:`gateway.reserved`). Either ends in :meth:`Gateway.record`: metrics and the access log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, time
from typing import Any

from gateway.accesslog import AccessLog
from gateway.auth import AuthError, Identity, JwksKeySource, TokenVerifier, url_fetcher
from gateway.fastpath import FastPlan, fast_plans, try_fast
from gateway.forwarded import TrustedProxies
from gateway.handlers import Handler, UpstreamUnavailable
from gateway.metrics import Metrics
from gateway.pipeline import serve
from gateway.ratelimit import MemoryRateLimiter, Policy, RateLimiter, RedisRateLimiter
from gateway.router import Router
from gateway.server import ClientConnection, Reject, Request
from gateway.spans import SpanSink
from gateway.trace import Trace
from gateway.upstreams import UpstreamRegistry
from strangler.routing.model import RouteTable
from strangler.routing.table import RouteTableError, load_route_table, resolve_handler

__all__ = ["Gateway", "Loaded", "Settings"]

logger = logging.getLogger("gateway")


@dataclass(frozen=True)
class Settings:
    routes: Path
    ports: Mapping[str, int]
    max_body: int = 10 * 1024 * 1024
    header_timeout: float = 10.0
    access_log: str | None = "-"
    redis_url: str | None = None
    jwks_url: str | None = None
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    spans: SpanSink | None = None  # where the gateway's own spans go (None: not traced)
    root_sample_ratio: float = 1.0  # the share of the traces it starts that are sampled


@dataclass
class Loaded:
    """Everything derived from one route table; swapped as a whole on reload."""

    table: RouteTable
    router: Router
    policies: dict[str, Policy]
    handlers: dict[str, Handler]
    fast: dict[str, FastPlan]  # routes the fast path may take


class Gateway:
    def __init__(self, settings: Settings, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.loop = loop
        self.max_body = settings.max_body
        self.header_timeout = settings.header_timeout
        self.trusted_proxies = settings.trusted_proxies
        self.connections: set[ClientConnection] = set()
        self.metrics = Metrics()
        self.access_log = AccessLog(settings.access_log, loop, spans=settings.spans)
        Trace.root_ratio = settings.root_sample_ratio
        self.registry = UpstreamRegistry(loop)
        self.registry.on_membership = self.metrics.set_membership
        self.metrics.breakers = self.registry.breaker_states
        self.limiter: RateLimiter = (
            RedisRateLimiter(settings.redis_url) if settings.redis_url else MemoryRateLimiter()
        )
        self.verifier: TokenVerifier | None = None
        self._auth_config: object = None
        self._warm_up: asyncio.Task[None] | None = None
        self.loaded: Loaded | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self.in_flight = 0

    # --- the route table -------------------------------------------------------------------

    def load(self) -> None:
        """Load the table; raises RouteTableError, and then the current table stays."""
        table = load_route_table(self.settings.routes, self.settings.ports)
        handlers = {
            route.handler: resolve_handler(route.handler)
            for route in table.routes
            if route.handler is not None
        }
        policies = {
            name: Policy(name=name, rate_per_second=p.rate_per_second, burst=p.burst)
            for name, p in table.rate_limits.items()
        }
        loaded = Loaded(
            table=table,
            router=Router(table),
            policies=policies,
            handlers=handlers,
            fast=fast_plans(table, policies, self.limiter),
        )
        self.registry.configure(table.upstreams)
        for group in self.registry.groups.values():
            for state in group.instances:
                self.metrics.set_membership(group.name, state.address, state.healthy)
        self._configure_auth(table)
        self.loaded = loaded

    def reload(self) -> bool:
        try:
            self.load()
        except RouteTableError as exc:
            self.metrics.reloads["error"] += 1
            logger.error("route table reload refused, keeping the current table: %s", exc)
            return False
        self.metrics.reloads["ok"] += 1
        assert self.loaded is not None
        logger.warning(
            "route table reloaded: %s (%d routes)",
            self.settings.routes,
            len(self.loaded.table.routes),
        )
        return True

    def _configure_auth(self, table: RouteTable) -> None:
        auth = table.auth
        key = (auth, self.settings.jwks_url)
        if key == self._auth_config:
            return
        self._auth_config = key
        if self.settings.jwks_url:
            fetch = url_fetcher(self.settings.jwks_url)
        elif auth.jwks_upstream and auth.jwks_path:
            fetch = self._jwks_fetcher(auth.jwks_upstream, auth.jwks_path)
        else:
            self.verifier = None
            return
        keys = JwksKeySource(fetch)
        self.verifier = TokenVerifier(keys, issuer=auth.issuer, audience=auth.audience)
        if self._warm_up is not None:
            self._warm_up.cancel()
        self._warm_up = self.loop.create_task(self._warm_keys(keys))

    async def _warm_keys(self, keys: JwksKeySource) -> None:
        """Fetch the keys before the first token needs them; retry until the issuer is up."""
        while True:
            try:
                await keys.refresh()
                return
            except Exception as exc:  # the monolith may still be starting
                logger.info("JWKS not loaded yet (%s); retrying", exc)
                await asyncio.sleep(1.0)

    def _jwks_fetcher(self, upstream: str, path: str) -> Any:
        async def fetch() -> bytes:
            reply = await self.registry.request(upstream, "GET", path, timeout=5.0)
            if reply.status != 200:
                raise UpstreamUnavailable(f"JWKS {upstream}{path} answered {reply.status}")
            return reply.body

        return fetch

    # --- lifecycle ---------------------------------------------------------------------------

    def start_sweeper(self) -> None:
        interval = max(0.05, min(1.0, self.header_timeout / 4))

        def sweep() -> None:
            now = self.loop.time()
            for conn in list(self.connections):
                conn.check_timeouts(now, self.header_timeout)
            self._sweeper = self.loop.call_later(interval, sweep)

        self._sweeper = self.loop.call_later(interval, sweep)
        self.registry.start_timeouts()

    def close(self) -> None:
        if self._warm_up is not None:
            self._warm_up.cancel()
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.registry.close()
        self.access_log.close()

    async def verify(self, authorization: bytes) -> tuple[Identity | None, AuthError | None]:
        """The identity of a token, or why it is refused."""
        if self.verifier is None:
            return None, AuthError(
                "invalid_token", "no_keys", "The gateway has no key source configured."
            )
        try:
            return await self.verifier.verify(authorization), None
        except AuthError as exc:
            return None, exc

    # --- dispatch ------------------------------------------------------------------------------

    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        if try_fast(self, conn, request):
            return
        self.in_flight += 1
        self.loop.create_task(serve(self, conn, request))

    def record(self, conn: ClientConnection, request: Request, state: Trace, close: bool) -> None:
        """Count and log an answered request; the connection goes on (or closes)."""
        duration = perf_counter() - request.started
        self.metrics.observe(state.route, state.status, duration)
        self.access_log.log(
            (
                time(),
                request.method,
                request.path,
                state.route,
                state.upstream,
                state.instance,
                state.status,
                duration,
                state.sent,
                state.request_id,
                state.trace_id,
                state.user,
                request.client,
                state.span if state.sampled else b"",
                state.parent,
            )
        )
        conn.finished(request, close)

    def log_rejection(self, conn: ClientConnection, reject: Reject) -> None:
        self.access_log.log(
            (
                time(),
                "-",
                "-",
                "-",
                "-",
                "-",
                reject.status,
                0.0,
                0,
                "-",
                "-",
                "",
                reject.client or conn.client,
                b"",
                b"",
            )
        )

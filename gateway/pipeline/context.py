"""What answering a request needs, built by the app and shared by every exchange."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from time import time

from gateway.handlers import Handler
from gateway.policy.auth import AuthError, Identity, TokenVerifier
from gateway.policy.ratelimit import Policy, RateLimiter
from gateway.policy.router import Router
from gateway.server import Reject
from gateway.sinks import Metrics, MismatchLog, Sink
from gateway.upstreams import UpstreamRegistry
from strangler.routing.model import Route, RouteTable

FastPlan = tuple[str, Policy | None]  # the upstream, the rate limit


@dataclass
class Loaded:
    """Everything derived from one route table; swapped as a whole on reload."""

    table: RouteTable
    router: Router
    policies: dict[str, Policy]
    handlers: dict[str, Handler]
    fast: dict[str, FastPlan]  # routes the fast path may take


class Pipeline:
    """The request pipeline's collaborators: the loaded table, the upstreams, the limiter, the
    token verifier and the sinks. Request code reads these; only the app sets them."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        registry: UpstreamRegistry,
        limiter: RateLimiter,
        metrics: Metrics,
        sinks: Sequence[Sink],
    ) -> None:
        self.loop = loop
        self.registry = registry
        self.limiter = limiter
        self.metrics = metrics
        self.sinks = tuple(sinks)
        self.loaded: Loaded | None = None
        self.verifier: TokenVerifier | None = None
        self.in_flight = 0
        self.mismatches = MismatchLog()

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

    def upstream_failed(self, upstream: str, kind: str) -> None:
        self.metrics.upstream_error(upstream, kind)

    def rate_limited(self, route: Route) -> None:
        self.metrics.rate_limited[route.name] += 1

    def refused(self, reject: Reject) -> None:
        """A request refused while parsing is answered: every sink is told, as of an answer."""
        entry = (time(), "-", "-", "-", "-", "-", reject.status, 0.0, 0, "-", "-", "",
                 reject.client or "-", b"", b"")  # fmt: skip
        for sink in self.sinks:
            sink.answered(entry)

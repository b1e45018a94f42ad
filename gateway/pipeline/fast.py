"""The fast path: a plain proxied request answered without a task, a future or a timer.

Taken when nothing needs to wait: one route for the path, no token to verify, an in-memory
rate limiter, an idle pooled connection at hand. Anything else takes the full path
(:mod:`gateway.pipeline.full`). Both share the exchange, :func:`~gateway.pipeline.proxying.settle`
and :meth:`~gateway.pipeline.exchange.Exchange.complete`, so they answer alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from gateway.pipeline.completion import answer_then_complete
from gateway.pipeline.context import FastPlan, Pipeline
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.outbound import proxied_head
from gateway.pipeline.proxying import proxy, settle, start
from gateway.pipeline.relay import RelayExchange
from gateway.pipeline.replies import allowed_limit_headers, refuse
from gateway.policy.ratelimit import MemoryRateLimiter, Policy, refused_decision
from gateway.policy.router import RESERVED
from gateway.server import ClientConnection, Request
from gateway.upstreams import UpstreamConnection
from strangler.routing.model import RouteTable


def fast_plans(
    table: RouteTable, policies: Mapping[str, Policy], limiter: object
) -> dict[str, FastPlan]:
    """By route name, the routes the fast path may take (what a request cannot change)."""
    plans: dict[str, FastPlan] = {}
    for route in table.routes:
        if (
            route.upstream is None
            or route.match is not None
            or route.shadow is not None
            or route.auth == "required"
        ):
            continue
        if route.rate_limit is None:
            plans[route.name] = (route.upstream, None)
        elif isinstance(limiter, MemoryRateLimiter):
            plans[route.name] = (route.upstream, policies[route.rate_limit])
    return plans


def try_fast(pipeline: Pipeline, conn: ClientConnection, request: Request) -> bool:
    """Answer ``request`` on the fast path if it qualifies; False to take the full path."""
    loaded = pipeline.loaded
    if loaded is None or request.chunked or request.path in RESERVED:
        return False
    candidates = loaded.router.candidates(request.path)
    if candidates is None or len(candidates.routes) != 1:
        return False
    route = candidates.routes[0]
    plan = loaded.fast.get(route.name)
    if (
        plan is None
        or (route.methods is not None and request.method not in route.methods)
        or (route.auth != "none" and request.authorization is not None)
    ):
        return False
    upstream, policy = plan
    group = pipeline.registry.groups[upstream]
    instance = group.pick()
    if instance is None:
        return False
    upstream_conn = instance.take_idle(pipeline.loop)
    if upstream_conn is None:
        group.unpick()  # the full path picks again: keep the rotation fair
        return False
    pipeline.in_flight += 1
    ex = Exchange(pipeline, conn, request)
    ex.route = route
    record = ex.record
    record.route = route.name
    extra = b"x-request-id: " + record.rid + b"\r\n"
    if policy is not None:
        limiter = cast(MemoryRateLimiter, pipeline.limiter)
        ahead = limiter.take(route.name + ":" + request.client, policy)
        if ahead < 0:
            instance.release(upstream_conn, True)
            refuse(ex, refused_decision(policy, -ahead))
            ex.complete()
            return True
        extra += allowed_limit_headers(policy, ahead)
    record.upstream = upstream  # a refused request never had one, on either path
    record.instance = instance.address
    head, _ = proxied_head(ex, instance.address)
    FastRelay(ex, upstream, extra).start(upstream_conn, head)
    return True


class FastRelay:
    """The end of a relay :func:`try_fast` started: the full path's settle and completion,
    called back instead of awaited; a stale pooled connection is retried on the full path."""

    __slots__ = ("ex", "extra", "relay", "upstream")

    def __init__(self, ex: Exchange, upstream: str, extra: bytes) -> None:
        self.ex = ex
        self.upstream = upstream
        self.extra = extra
        self.relay: RelayExchange | None = None

    def start(self, upstream_conn: UpstreamConnection, head: bytes) -> None:
        self.relay = start(self.ex, upstream_conn, head, self.extra, self.done)

    def done(self, outcome: str) -> None:
        ex, relay = self.ex, self.relay
        assert relay is not None
        if settle(ex, self.upstream, relay, outcome, not ex.request.has_body):
            retry = proxy(ex, self.upstream, self.extra, stale_retry=False)
            ex.pipeline.loop.create_task(answer_then_complete(ex, retry))
            return
        ex.complete()

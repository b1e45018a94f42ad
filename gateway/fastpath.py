"""The fast path: a plain proxied request answered without a task, a future or a timer.

Taken when nothing needs to wait: one route for the path, no token to verify, an in-memory
rate limiter, an idle pooled connection at hand. Anything else takes the full path
(:func:`gateway.pipeline.serve`), which answers the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from gateway.forward import proxy, settle, start
from gateway.outbound import request_head
from gateway.proxy import RelayExchange
from gateway.ratelimit import MemoryRateLimiter, Policy, refused_decision
from gateway.replies import allowed_limit_headers, refuse
from gateway.router import RESERVED
from gateway.server import ClientConnection, Request
from gateway.trace import ClientGone, Trace
from strangler.routing.model import Route, RouteTable

if TYPE_CHECKING:
    from gateway.app import Gateway


FastPlan = tuple[str, Policy | None]  # the upstream, the rate limit


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


def try_fast(gw: Gateway, conn: ClientConnection, request: Request) -> bool:
    """Answer ``request`` on the fast path if it qualifies; False to take the full path."""
    loaded = gw.loaded
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
    group = gw.registry.groups[upstream]
    instance = group.pick()
    if instance is None:
        return False
    upstream_conn = instance.take_idle(gw.loop)
    if upstream_conn is None:
        group.unpick()  # the full path picks again: keep the rotation fair
        return False
    gw.in_flight += 1
    state = Trace(request)
    state.route = route.name
    state.upstream = upstream
    state.instance = instance.address
    extra = b"x-request-id: " + state.rid + b"\r\n"
    if policy is not None:
        ahead = cast(MemoryRateLimiter, gw.limiter).take(route.name + ":" + request.client, policy)
        if ahead < 0:
            instance.release(upstream_conn, True)
            refuse(gw, conn, request, state, route, refused_decision(policy, -ahead))
            gw.in_flight -= 1
            gw.record(conn, request, state, False)
            return True
        extra += allowed_limit_headers(policy, ahead)
    head, _ = request_head(conn, request, state, route, instance.address, None)
    fast = FastExchange(gw, conn, request, state, route)
    fast.exchange = start(conn, request, route, upstream_conn, head, extra, fast.done)
    return True


class FastExchange:
    """Completion of a proxied request started by :func:`try_fast`."""

    __slots__ = ("conn", "exchange", "gateway", "request", "route", "state")

    def __init__(
        self,
        gateway: Gateway,
        conn: ClientConnection,
        request: Request,
        state: Trace,
        route: Route,
    ) -> None:
        self.gateway = gateway
        self.conn = conn
        self.request = request
        self.state = state
        self.route = route
        self.exchange: RelayExchange | None = None

    def done(self, outcome: str) -> None:
        gateway, state, route = self.gateway, self.state, self.route
        exchange = self.exchange
        assert exchange is not None and route.upstream is not None
        if outcome == "ok":  # what settle does for a relayed reply, without its call
            self.conn.upstream = None
            self.request.sink = None
            state.status = exchange.status
            state.sent = exchange.sent
            state.close = exchange.close_after
        elif settle(
            gateway,
            self.conn,
            self.request,
            state,
            route,
            route.upstream,
            exchange,
            outcome,
            not self.request.has_body,
        ):  # the full path tries once more, on a fresh connection
            gateway.loop.create_task(self._retry())
            return
        gateway.in_flight -= 1
        gateway.record(self.conn, self.request, state, state.close)

    async def _retry(self) -> None:
        gateway, state, route = self.gateway, self.state, self.route
        assert route.upstream is not None
        close = False
        try:
            extra = b"x-request-id: " + state.rid + b"\r\n"
            await proxy(
                gateway,
                self.conn,
                self.request,
                state,
                route,
                route.upstream,
                None,
                extra,
                stale_retry=False,
            )
        except ClientGone:
            close = True
        finally:
            gateway.in_flight -= 1
        gateway.record(self.conn, self.request, state, close or state.close)

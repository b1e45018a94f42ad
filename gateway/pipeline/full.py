"""The full path, for a request that needs a task: match -> auth -> rate limit -> dispatch.

Order (the brief's contract): reserved paths, then route match (404/405), auth (401), rate
limit (429), then the proxy or the route's handler. Anything unexpected is a 500 and a bug.
"""

from __future__ import annotations

from typing import Any

from gateway.pipeline.completion import answer_then_complete
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.identify import Verified, identify
from gateway.pipeline.invoke import run_handler
from gateway.pipeline.proxying import proxy
from gateway.pipeline.replies import error, limit_headers, refuse, unauthenticated
from gateway.pipeline.reserved import reserved
from gateway.policy.auth import Identity
from gateway.policy.record import header
from gateway.policy.router import RESERVED, split_upstream
from gateway.server import Request
from strangler.routing.model import Match


async def serve(ex: Exchange) -> None:
    """Answer one request and complete it (``in_flight`` was counted by the caller)."""
    answer = reserved(ex) if ex.request.path in RESERVED else route_request(ex)
    await answer_then_complete(ex, answer)


async def route_request(ex: Exchange) -> None:
    pipeline, request, record = ex.pipeline, ex.request, ex.record
    loaded = pipeline.loaded
    assert loaded is not None
    candidates = loaded.router.candidates(request.path)
    if candidates is None:
        error(ex, 404, "route_not_found", f"No route for {request.path}.")
        return
    verified: Verified | None = None
    if request.authorization is not None and any(
        r.match is not None and r.match.claims for r in candidates.routes
    ):  # claims decide the route: verify first, the route's auth mode judges after
        verified = await pipeline.verify(request.authorization)
    route = candidates.select(request.method, Holds(request, verified[0] if verified else None))
    if route is None:
        if not candidates.method_allowed(request.method):
            error(
                ex,
                405,
                "method_not_allowed",
                f'Method "{request.method}" not allowed.',
                headers=((b"allow", candidates.allow.encode()),),
            )
        else:
            error(ex, 404, "route_not_found", f"No route for {request.path}.")
        return
    ex.route = route
    record.route = route.name
    identity, auth_error = await identify(pipeline, route.auth, request.authorization, verified)
    if auth_error is not None:
        unauthenticated(ex, auth_error)
        return
    ex.identity = identity
    if identity is not None:
        record.user = identity.user_id
    extra = b"x-request-id: " + record.rid + b"\r\n"
    client_key = identity.user_id if identity is not None else request.client
    if route.rate_limit is not None:
        policy = loaded.policies[route.rate_limit]
        decision = await pipeline.limiter.hit(f"{route.name}:{client_key}", policy)
        if not decision.allowed:
            refuse(ex, decision)
            return
        extra += limit_headers(decision)
    if route.handler is not None:
        await run_handler(ex, loaded, extra)
        return
    upstream = route.upstream if route.upstream is not None else split_upstream(route, client_key)
    await proxy(ex, upstream, extra)


class Holds:
    """Whether a route's ``match`` holds for this request (claims need a verified token)."""

    __slots__ = ("identity", "request")

    def __init__(self, request: Request, identity: Identity | None) -> None:
        self.request = request
        self.identity = identity

    def __call__(self, match: Match) -> bool:
        for name, expected in match.headers:
            if header(self.request, name.encode("latin-1")) != expected.encode("latin-1"):
                return False
        if match.claims:
            if self.identity is None:
                return False
            claims = self.identity.claims
            for name, expected in match.claims:
                if not claim_holds(claims.get(name), expected):
                    return False
        return True


def claim_holds(value: Any, expected: str) -> bool:
    """A claim matches its expected text; a list claim (``roles: [customer, admin]``) matches
    when one of its items does."""
    if isinstance(value, list):
        return any(_claim_text(item) == expected for item in value if item is not None)
    return value is not None and _claim_text(value) == expected


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""The request path of a request that needs a task: match -> auth -> rate limit -> dispatch.

Order (the brief's contract): reserved paths, then route match (404/405), auth (401), rate
limit (429), then the proxy or the route's handler. Anything unexpected is a 500 and a bug.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gateway.auth import AuthError, Identity
from gateway.forward import proxy
from gateway.invoke import run_handler
from gateway.replies import error, limit_headers, missing_credentials, refuse, unauthenticated
from gateway.reserved import reserved
from gateway.router import RESERVED, split_upstream
from gateway.server import ClientConnection, Request
from gateway.trace import ClientGone, Trace, header
from strangler.routing.model import Match

if TYPE_CHECKING:
    from gateway.app import Gateway

logger = logging.getLogger("gateway")


async def serve(gw: Gateway, conn: ClientConnection, request: Request) -> None:
    """Answer one request, then log it and let the connection go on (``gw.in_flight`` was
    counted by the caller)."""
    state = Trace(request)
    close = False
    try:
        if request.path in RESERVED:
            await reserved(gw, conn, request, state)
        else:
            await route_request(gw, conn, request, state)
    except ClientGone:
        close = True
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        if state.status == 0:
            error(conn, request, state, 500, "internal_error", "Internal gateway error.")
        else:
            close = True
    finally:
        gw.in_flight -= 1
    gw.record(conn, request, state, close or state.close)


async def route_request(
    gw: Gateway, conn: ClientConnection, request: Request, state: Trace
) -> None:
    loaded = gw.loaded
    assert loaded is not None
    candidates = loaded.router.candidates(request.path)
    if candidates is None:
        error(conn, request, state, 404, "route_not_found", f"No route for {request.path}.")
        return
    identity: Identity | None = None
    auth_error: AuthError | None = None
    if request.authorization is not None and any(
        r.match is not None and r.match.claims for r in candidates.routes
    ):  # claims decide the route: verify first, the route's auth mode judges after
        identity, auth_error = await gw.verify(request.authorization)
    route = candidates.select(request.method, Holds(request, identity))
    if route is None:
        if not candidates.method_allowed(request.method):
            error(
                conn,
                request,
                state,
                405,
                "method_not_allowed",
                f'Method "{request.method}" not allowed.',
                headers=((b"allow", candidates.allow.encode()),),
            )
        else:
            error(conn, request, state, 404, "route_not_found", f"No route for {request.path}.")
        return
    state.route = route.name
    if route.auth != "none":
        if request.authorization is None:
            if route.auth == "required":
                unauthenticated(conn, request, state, missing_credentials())
                return
        else:
            if identity is None and auth_error is None:
                identity, auth_error = await gw.verify(request.authorization)
            if auth_error is not None:
                unauthenticated(conn, request, state, auth_error)
                return
    else:
        identity = None
    if identity is not None:
        state.user = identity.user_id
    extra = b"x-request-id: " + state.rid + b"\r\n"
    if route.rate_limit is not None:
        policy = loaded.policies[route.rate_limit]
        client_key = identity.user_id if identity is not None else request.client
        decision = await gw.limiter.hit(f"{route.name}:{client_key}", policy)
        if not decision.allowed:
            refuse(gw, conn, request, state, route, decision)
            return
        extra += limit_headers(decision)
    if route.handler is not None:
        await run_handler(gw, conn, request, state, route, identity, loaded, extra)
        return
    upstream = route.upstream
    if upstream is None:
        client_key = identity.user_id if identity is not None else request.client
        upstream = split_upstream(route, client_key)
    await proxy(gw, conn, request, state, route, upstream, identity, extra)


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
                value = claims.get(name)
                if value is None or _claim_text(value) != expected:
                    return False
        return True


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

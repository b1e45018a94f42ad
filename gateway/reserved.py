"""The gateway's own endpoints, answered before any route: health, metrics, auth_request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.proxy import response_bytes
from gateway.replies import error, json_reply, missing_credentials, unauthenticated
from gateway.server import ClientConnection, Request
from gateway.trace import Trace, header

if TYPE_CHECKING:
    from gateway.app import Gateway


async def reserved(gw: Gateway, conn: ClientConnection, request: Request, state: Trace) -> None:
    path = request.path
    state.route = path
    if path != "/_gateway/verify":
        state.sampled = False  # probes and scrapes: no span, they would bury the traces
    if path == "/health/live":
        json_reply(conn, request, state, 200, {"status": "ok"})
    elif path == "/health/ready":
        ready(gw, conn, request, state)
    elif path == "/metrics":
        body = gw.metrics.render()
        state.status = 200
        conn.write(
            response_bytes(
                200,
                body,
                ((b"x-request-id", state.rid),),
                content_type=b"text/plain; version=0.0.4; charset=utf-8",
                close=not request.keep_alive,
                head=request.method == "HEAD",
            )
        )
    else:
        await verify_endpoint(gw, conn, request, state)


def ready(gw: Gateway, conn: ClientConnection, request: Request, state: Trace) -> None:
    """200 when a table is loaded and every upstream has a healthy instance, else 503."""
    counts = gw.registry.is_ready() if gw.loaded is not None else {}
    empty = sorted(name for name, count in counts.items() if count == 0)
    if gw.loaded is None or empty:
        error(
            conn,
            request,
            state,
            503,
            "service_unavailable",
            "No healthy instance of: " + ", ".join(empty) + "."
            if empty
            else "No route table loaded.",
            {"upstreams": counts, "unavailable": empty},
        )
    else:
        json_reply(conn, request, state, 200, {"status": "ok", "upstreams": counts})


async def verify_endpoint(
    gw: Gateway, conn: ClientConnection, request: Request, state: Trace
) -> None:
    """nginx ``auth_request``: 204 (with ``X-User-Id`` when signed in) or 401."""
    loaded = gw.loaded
    assert loaded is not None
    original = header(request, b"x-original-uri") or b"/"
    method = (header(request, b"x-original-method") or b"GET").decode("latin-1")
    path = original.decode("latin-1").partition("?")[0]
    candidates = loaded.router.candidates(path)
    route = candidates.select(method, lambda m: True) if candidates else None
    mode = route.auth if route is not None else "optional"
    identity = None
    if mode != "none":
        if request.authorization is None:
            if mode == "required":
                unauthenticated(conn, request, state, missing_credentials())
                return
        else:
            identity, auth_error = await gw.verify(request.authorization)
            if auth_error is not None:
                unauthenticated(conn, request, state, auth_error)
                return
    headers = [(b"x-request-id", state.rid)]
    if identity is not None:
        headers.append((b"x-user-id", identity.user_id.encode()))
        state.user = identity.user_id
    state.status = 204
    conn.write(response_bytes(204, b"", headers, content_type=b"", close=not request.keep_alive))

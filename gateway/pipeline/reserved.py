"""The gateway's own endpoints, answered before any route: health, metrics, auth_request."""

from __future__ import annotations

from gateway.http1 import response_bytes
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.identify import identify
from gateway.pipeline.replies import error, json_reply, unauthenticated
from gateway.policy.record import header


async def reserved(ex: Exchange) -> None:
    path = ex.request.path
    ex.record.route = path
    if path != "/_gateway/verify":
        ex.record.sampled = False  # probes and scrapes: no span, they would bury the traces
    if path == "/health/live":
        json_reply(ex, 200, {"status": "ok"})
    elif path == "/health/ready":
        ready(ex)
    elif path == "/metrics":
        request = ex.request
        body = ex.pipeline.metrics.render()
        ex.record.status = 200
        ex.conn.write(
            response_bytes(
                200,
                body,
                ((b"x-request-id", ex.record.rid),),
                content_type=b"text/plain; version=0.0.4; charset=utf-8",
                close=not request.keep_alive,
                head=request.method == "HEAD",
            )
        )
    else:
        await verify_endpoint(ex)


def ready(ex: Exchange) -> None:
    """200 when a table is loaded, every upstream has a healthy instance and, where tokens are
    verified, the signing keys have been loaded once; else 503."""
    pipeline = ex.pipeline
    counts = pipeline.registry.is_ready() if pipeline.loaded is not None else {}
    empty = sorted(name for name, count in counts.items() if count == 0)
    if pipeline.verifier is not None and not pipeline.verifier.keys_loaded:
        error(
            ex,
            503,
            "service_unavailable",
            "The token signing keys are not loaded yet.",
            {"upstreams": counts, "unavailable": empty, "keys": "not_loaded"},
        )
    elif pipeline.loaded is None or empty:
        error(
            ex,
            503,
            "service_unavailable",
            "No healthy instance of: " + ", ".join(empty) + "."
            if empty
            else "No route table loaded.",
            {"upstreams": counts, "unavailable": empty},
        )
    else:
        json_reply(ex, 200, {"status": "ok", "upstreams": counts})


async def verify_endpoint(ex: Exchange) -> None:
    """nginx ``auth_request``: 204 (with ``X-User-Id`` when signed in) or 401."""
    request, record = ex.request, ex.record
    loaded = ex.pipeline.loaded
    assert loaded is not None
    original = header(request, b"x-original-uri") or b"/"
    method = (header(request, b"x-original-method") or b"GET").decode("latin-1")
    path = original.decode("latin-1").partition("?")[0]
    candidates = loaded.router.candidates(path)
    route = candidates.select(method, lambda m: True) if candidates else None
    mode = route.auth if route is not None else "optional"
    identity, auth_error = await identify(ex.pipeline, mode, request.authorization)
    if auth_error is not None:
        unauthenticated(ex, auth_error)
        return
    headers = [(b"x-request-id", record.rid)]
    if identity is not None:
        headers.append((b"x-user-id", identity.user_id.encode()))
        record.user = identity.user_id
    record.status = 204
    ex.conn.write(response_bytes(204, b"", headers, content_type=b"", close=not request.keep_alive))

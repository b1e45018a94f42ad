"""What the upstream is sent: the client's cleaned headers plus the gateway's own.

``X-Forwarded-*``, ``X-Request-ID``, ``traceparent`` and, when authenticated, ``X-User-Id``
(the client's own identity headers were dropped while parsing).
"""

from __future__ import annotations

from gateway.auth import Identity
from gateway.server import ClientConnection, Request
from gateway.trace import Trace
from strangler.routing.model import Route


def upstream_headers(
    conn: ClientConnection, request: Request, state: Trace, identity: Identity | None
) -> list[tuple[bytes, bytes]]:
    headers = list(request.headers)
    client = conn.client.encode()
    forwarded = request.xff + b", " + client if request.xff is not None else client
    headers.append((b"x-forwarded-for", forwarded))
    headers.append((b"x-forwarded-proto", b"http"))
    if request.host is not None:
        headers.append((b"x-forwarded-host", request.host))
    headers.append((b"x-request-id", state.request_id.encode()))
    headers.append((b"traceparent", state.traceparent))
    if identity is not None:
        headers.append((b"x-user-id", identity.user_id.encode()))
    return headers


def request_head(
    conn: ClientConnection,
    request: Request,
    state: Trace,
    route: Route,
    default_host: str,
    identity: Identity | None,
) -> tuple[bytes, str, list[tuple[bytes, bytes]]]:
    """The request head sent upstream, the target, and the headers (for a shadow copy)."""
    path = route.rewrite.apply(request.path) if route.rewrite is not None else request.path
    target = path + "?" + request.query if request.query else path
    headers = upstream_headers(conn, request, state, identity)
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode(), target.encode("latin-1"))]
    for name, value in headers:
        lines.append(name + b": " + value + b"\r\n")
    if request.host is None:
        lines.append(b"host: " + default_host.encode() + b"\r\n")
    if request.chunked:  # sent on with a Content-Length: Django reads no chunked body
        lines.append(b"content-length: %d\r\n" % request.received)
    elif request.content_length >= 0:
        lines.append(b"content-length: %d\r\n" % request.content_length)
    lines.append(b"\r\n")
    return b"".join(lines), target, headers

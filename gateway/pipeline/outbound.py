"""What the upstream is sent: the client's cleaned headers plus the gateway's own.

``X-Forwarded-*``, ``X-Request-ID``, ``traceparent`` and, when authenticated, ``X-User-Id``
(the client's own identity headers were dropped while parsing).
"""

from __future__ import annotations

from gateway.pipeline.exchange import Exchange


def upstream_headers(ex: Exchange) -> list[tuple[bytes, bytes]]:
    request, record, identity = ex.request, ex.record, ex.identity
    headers = list(request.headers)
    client = ex.conn.client_bytes
    forwarded = request.xff + b", " + client if request.xff is not None else client
    headers.append((b"x-forwarded-for", forwarded))
    headers.append((b"x-forwarded-proto", b"http"))
    if request.host is not None:
        headers.append((b"x-forwarded-host", request.host))
    headers.append((b"x-request-id", record.rid))
    headers.append((b"traceparent", record.traceparent))
    if identity is not None:
        headers.append((b"x-user-id", identity.user_id.encode()))
    return headers


def proxied_head(ex: Exchange, default_host: str) -> tuple[bytes, str]:
    """The request head sent upstream (the headers of :func:`upstream_headers`, in the same
    order, then ``host`` if the client sent none and the body's length) and its target."""
    request, record, identity, route = ex.request, ex.record, ex.identity, ex.route
    assert route is not None
    path = route.rewrite.apply(request.path) if route.rewrite is not None else request.path
    target = path + "?" + request.query if request.query else path
    parts = [b"%s %s HTTP/1.1\r\n" % (request.method.encode(), target.encode("latin-1"))]
    for name, value in request.headers:
        parts += (name, b": ", value, b"\r\n")
    client = ex.conn.client_bytes
    forwarded = request.xff + b", " + client if request.xff is not None else client
    parts.append(b"x-forwarded-for: %s\r\nx-forwarded-proto: http\r\n" % forwarded)
    if request.host is not None:
        parts += (b"x-forwarded-host: ", request.host, b"\r\n")
    parts.append(b"x-request-id: %s\r\ntraceparent: %s\r\n" % (record.rid, record.traceparent))
    if identity is not None:
        parts += (b"x-user-id: ", identity.user_id.encode(), b"\r\n")
    if request.host is None:
        parts += (b"host: ", default_host.encode(), b"\r\n")
    if request.chunked:  # sent on with a Content-Length: Django reads no chunked body
        parts.append(b"content-length: %d\r\n\r\n" % request.received)
    elif request.content_length >= 0:
        parts.append(b"content-length: %d\r\n\r\n" % request.content_length)
    else:
        parts.append(b"\r\n")
    return b"".join(parts), target

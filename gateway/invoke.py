"""A route answered by a Python handler (composition, protocol translation) instead of a proxy.

The handler gets the whole body, the cleaned headers and the gateway's upstream pools; its
reply is sent with the gateway's own headers, hop-by-hop headers and a stray
``Content-Length``/``X-Request-ID`` dropped. Upstream failures it lets through become 502/504.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from gateway.auth import Identity
from gateway.forward import whole_body
from gateway.handlers import HandlerRequest, HandlerResponse, UpstreamTimeout, UpstreamUnavailable
from gateway.outbound import upstream_headers
from gateway.proxy import response_bytes
from gateway.replies import error, split_extra
from gateway.server import ClientConnection, Request
from gateway.trace import Trace
from gateway.upstreams import HOP_BY_HOP
from strangler.routing.model import Route

if TYPE_CHECKING:
    from gateway.app import Gateway, Loaded


async def run_handler(
    gw: Gateway,
    conn: ClientConnection,
    request: Request,
    state: Trace,
    route: Route,
    identity: Identity | None,
    loaded: Loaded,
    extra: bytes,
) -> None:
    assert route.handler is not None
    handler = loaded.handlers[route.handler]
    body = await whole_body(conn, request)
    candidates = loaded.router.candidates(request.path)
    params = candidates.params if candidates is not None else {}
    handler_request = HandlerRequest(
        method=request.method,
        path=request.path,
        query=request.query,
        path_params=params,
        headers=upstream_headers(conn, request, state, identity),
        body=body,
        identity=identity,
        request_id=state.request_id,
    )
    state.upstream = "handler"
    try:
        async with asyncio.timeout(route.timeout):
            response: HandlerResponse = await handler(handler_request, gw.registry, route.options)
    except (UpstreamTimeout, TimeoutError):
        error(conn, request, state, 504, "gateway_timeout", "An upstream did not answer in time.")
        return
    except UpstreamUnavailable as exc:
        error(conn, request, state, 502, "bad_gateway", f"{exc}.")
        return
    headers = [
        (name, value)
        for name, value in response.headers
        if name.lower() not in HOP_BY_HOP
        and name.lower() not in (b"content-length", b"x-request-id")
    ]
    state.status = response.status
    state.sent = len(response.body)
    close = not request.keep_alive
    state.close = close
    has_type = any(name.lower() == b"content-type" for name, _ in headers)
    conn.write(
        response_bytes(
            response.status,
            response.body,
            [*headers, *split_extra(extra)],
            content_type=b"" if has_type else b"application/json",
            close=close,
            head=request.method == "HEAD",
        )
    )

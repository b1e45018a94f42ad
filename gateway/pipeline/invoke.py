"""A route answered by a Python handler (composition, protocol translation) instead of a proxy.

The handler gets the whole body, the cleaned headers and the gateway's upstream pools; its
reply is sent with the gateway's own headers, hop-by-hop headers and a stray
``Content-Length``/``X-Request-ID`` dropped. Upstream failures it lets through become 502/504.
"""

from __future__ import annotations

import asyncio

from gateway.handlers import HandlerRequest, HandlerResponse, UpstreamTimeout, UpstreamUnavailable
from gateway.http1 import HOP_BY_HOP, response_bytes
from gateway.pipeline.context import Loaded
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.outbound import upstream_headers
from gateway.pipeline.proxying import whole_body
from gateway.pipeline.replies import error, split_extra


async def run_handler(ex: Exchange, loaded: Loaded, extra: bytes) -> None:
    request, record, route = ex.request, ex.record, ex.route
    assert route is not None and route.handler is not None
    handler = loaded.handlers[route.handler]
    body = await whole_body(ex)
    candidates = loaded.router.candidates(request.path)
    params = candidates.params if candidates is not None else {}
    handler_request = HandlerRequest(
        method=request.method,
        path=request.path,
        query=request.query,
        path_params=params,
        headers=upstream_headers(ex),
        body=body,
        identity=ex.identity,
        request_id=record.request_id,
    )
    record.upstream = "handler"
    try:
        async with asyncio.timeout(route.timeout):
            response: HandlerResponse = await handler(
                handler_request, ex.pipeline.registry, route.options
            )
    except (UpstreamTimeout, TimeoutError):
        error(ex, 504, "gateway_timeout", "An upstream did not answer in time.")
        return
    except UpstreamUnavailable as exc:
        error(ex, 502, "bad_gateway", f"{exc}.")
        return
    headers = [
        (name, value)
        for name, value in response.headers
        if name.lower() not in HOP_BY_HOP
        and name.lower() not in (b"content-length", b"x-request-id")
    ]
    record.status = response.status
    record.sent = len(response.body)
    close = not request.keep_alive
    record.close = close
    has_type = any(name.lower() == b"content-type" for name, _ in headers)
    ex.conn.write(
        response_bytes(
            response.status,
            response.body,
            [*headers, *split_extra(extra)],
            content_type=b"" if has_type else b"application/json",
            close=close,
            head=request.method == "HEAD",
        )
    )

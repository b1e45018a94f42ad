"""Proxying a routed request: pick an instance, send the request, relay the reply.

Retries (on another instance) only for idempotent methods and only when no byte reached the
upstream: connect errors and timeouts. A pooled connection the upstream had already closed
is retried once on a fresh one. Failures are the gateway's own 502/503/504.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gateway.auth import Identity
from gateway.handlers import UpstreamTimeout, UpstreamUnavailable
from gateway.outbound import request_head, upstream_headers
from gateway.proxy import RelayExchange
from gateway.replies import error
from gateway.server import ClientConnection, Request
from gateway.trace import ClientGone, Trace
from gateway.upstreams import UpstreamConnection
from strangler.routing.model import IDEMPOTENT_METHODS, Route

if TYPE_CHECKING:
    from gateway.app import Gateway


async def proxy(
    gw: Gateway,
    conn: ClientConnection,
    request: Request,
    state: Trace,
    route: Route,
    upstream: str,
    identity: Identity | None,
    extra: bytes,
    *,
    stale_retry: bool = True,
) -> None:
    state.upstream = upstream
    group = gw.registry.groups[upstream]
    if request.chunked:
        await whole_body(conn, request)
    head, target = request_head(conn, request, state, route, group.instances[0].address, identity)
    if route.shadow is not None:
        body = await whole_body(conn, request)
        headers = upstream_headers(conn, request, state, identity)
        shadow(gw, route, request.method, target, headers, body)
    retries = route.retries if request.method in IDEMPOTENT_METHODS else 0
    tried: list[Any] = []
    stale_retry = stale_retry and not request.has_body
    while True:
        instance = group.pick(tried)
        if instance is None:
            gw.metrics.upstream_error(upstream, "unavailable")
            error(
                conn,
                request,
                state,
                503,
                "service_unavailable",
                f"No healthy instance of upstream {upstream}.",
                {"upstream": upstream},
            )
            return
        state.instance = instance.address
        try:
            upstream_conn = await instance.acquire(gw.loop)
        except (OSError, TimeoutError) as exc:
            group.connect_failed(instance)
            kind = "connect_timeout" if isinstance(exc, TimeoutError) else "connect"
            gw.metrics.upstream_error(upstream, kind)
            tried.append(instance)
            if len(tried) <= retries:
                continue
            if isinstance(exc, TimeoutError):
                error(
                    conn,
                    request,
                    state,
                    504,
                    "gateway_timeout",
                    f"Upstream {upstream} did not accept a connection in time.",
                    {"upstream": upstream},
                )
            else:
                error(
                    conn,
                    request,
                    state,
                    502,
                    "bad_gateway",
                    f"Upstream {upstream} refused the connection.",
                    {"upstream": upstream},
                )
            return
        if conn.closed:
            instance.release(upstream_conn, True)
            raise ClientGone
        group.connect_ok(instance)
        future: asyncio.Future[str] = gw.loop.create_future()
        exchange = start(conn, request, route, upstream_conn, head, extra, future.set_result)
        outcome = await future
        if settle(gw, conn, request, state, route, upstream, exchange, outcome, stale_retry):
            stale_retry = False
            continue
        return


def start(
    conn: ClientConnection,
    request: Request,
    route: Route,
    upstream_conn: UpstreamConnection,
    head: bytes,
    extra: bytes,
    on_done: Callable[[str], None],
) -> RelayExchange:
    """Send the request on ``upstream_conn``; ``on_done(outcome)`` once the reply is relayed."""
    exchange = RelayExchange(conn, request, extra, on_done)
    conn.upstream = upstream_conn
    upstream_conn.start(exchange, head, route.timeout, request.method == "HEAD")
    if conn.write_paused:
        upstream_conn.pause_reading()
    if request.chunked or request.content_length > 0:
        _attach(conn, request, upstream_conn)
    else:  # the head was the whole request
        exchange.request_sent = True
    return exchange


def settle(
    gw: Gateway,
    conn: ClientConnection,
    request: Request,
    state: Trace,
    route: Route,
    upstream: str,
    exchange: RelayExchange,
    outcome: str,
    stale_retry: bool,
) -> bool:
    """Account for a finished exchange; True when it should be tried once more."""
    conn.upstream = None
    request.sink = None
    state.status = exchange.status
    state.sent = exchange.sent
    state.close = exchange.close_after
    if outcome == "ok":
        return False
    if outcome == "client_gone":
        state.close = True
        return False
    if exchange.head_seen:  # a reply cut short: the client connection is aborted
        gw.metrics.upstream_error(upstream, outcome)
        state.close = True
        return False
    conn_up = exchange.conn
    if outcome == "reset" and stale_retry and conn_up is not None and conn_up.reused:
        return True  # a pooled connection the upstream had already closed
    gw.metrics.upstream_error(upstream, outcome)
    if outcome == "timeout":
        error(
            conn,
            request,
            state,
            504,
            "gateway_timeout",
            f"Upstream {upstream} did not answer within {route.timeout:g} s.",
            {"upstream": upstream},
        )
    else:
        error(
            conn,
            request,
            state,
            502,
            "bad_gateway",
            f"Upstream {upstream} closed the connection without a reply.",
            {"upstream": upstream},
        )
    if request.has_body and not request.complete:
        state.close = True
    return False


def _attach(conn: ClientConnection, request: Request, upstream: Any) -> None:
    if request.chunked:  # already whole: send what was buffered
        for chunk in request.chunks:
            upstream.write(chunk)
        upstream.exchange_request_sent()
    elif request.has_body:
        conn.attach_body(request, upstream)
    else:
        upstream.exchange_request_sent()


async def whole_body(conn: ClientConnection, request: Request) -> bytes:
    body = await conn.read_body(request)
    if not request.complete:
        raise ClientGone
    return body


def shadow(
    gw: Gateway,
    route: Route,
    method: str,
    target: str,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
) -> None:
    """Send a copy of the request to the route's shadow upstream; its reply is ignored."""
    mirror_to = route.shadow
    assert mirror_to is not None

    async def mirror() -> None:
        try:
            await gw.registry.request(
                mirror_to, method, target, headers=headers, body=body, timeout=route.timeout
            )
        except (UpstreamTimeout, UpstreamUnavailable) as exc:
            kind = "timeout" if isinstance(exc, UpstreamTimeout) else "unavailable"
            gw.metrics.upstream_error(mirror_to, f"shadow_{kind}")

    gw.loop.create_task(mirror())

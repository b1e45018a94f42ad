"""Proxying a routed request: pick an instance, send the request, relay the reply.

Retries (on another instance) only for idempotent methods and only when no byte reached the
upstream: connect errors and timeouts. A pooled connection the upstream had already closed
is retried once on a fresh one. Failures are the gateway's own 502/503/504. :func:`settle`
accounts for a relayed reply on both paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from gateway.handlers import UpstreamTimeout, UpstreamUnavailable
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.outbound import proxied_head, upstream_headers
from gateway.pipeline.relay import RelayExchange
from gateway.pipeline.replies import error
from gateway.policy.record import ClientGone
from gateway.upstreams import UpstreamConnection
from strangler.routing.model import IDEMPOTENT_METHODS, Route


async def proxy(ex: Exchange, upstream: str, extra: bytes, *, stale_retry: bool = True) -> None:
    request, record, route, pipeline = ex.request, ex.record, ex.route, ex.pipeline
    assert route is not None
    record.upstream = upstream
    group = pipeline.registry.groups[upstream]
    if request.chunked:
        await whole_body(ex)
    head, target = proxied_head(ex, group.instances[0].address)
    if route.shadow is not None:
        body = await whole_body(ex)
        shadow(ex, route, target, upstream_headers(ex), body)
    retries = route.retries if request.method in IDEMPOTENT_METHODS else 0
    tried: list[Any] = []
    stale_retry = stale_retry and not request.has_body
    while True:
        instance = group.pick(tried)
        if instance is None:
            pipeline.upstream_failed(upstream, "unavailable")
            error(
                ex,
                503,
                "service_unavailable",
                f"No healthy instance of upstream {upstream}.",
                {"upstream": upstream},
            )
            return
        record.instance = instance.address
        try:
            upstream_conn = await instance.acquire(pipeline.loop)
        except (OSError, TimeoutError) as exc:
            group.connect_failed(instance)
            timed_out = isinstance(exc, TimeoutError)
            pipeline.upstream_failed(upstream, "connect_timeout" if timed_out else "connect")
            tried.append(instance)
            if len(tried) <= retries:
                continue
            if timed_out:
                message = f"Upstream {upstream} did not accept a connection in time."
                error(ex, 504, "gateway_timeout", message, {"upstream": upstream})
            else:
                message = f"Upstream {upstream} refused the connection."
                error(ex, 502, "bad_gateway", message, {"upstream": upstream})
            return
        if ex.conn.closed:
            instance.release(upstream_conn, True)
            raise ClientGone
        group.connect_ok(instance)
        future: asyncio.Future[str] = pipeline.loop.create_future()
        relay = start(ex, upstream_conn, head, extra, future.set_result)
        outcome = await future
        if settle(ex, upstream, relay, outcome, stale_retry):
            stale_retry = False
            continue
        return


def start(
    ex: Exchange,
    upstream_conn: UpstreamConnection,
    head: bytes,
    extra: bytes,
    on_done: Callable[[str], None],
) -> RelayExchange:
    """Send the request on ``upstream_conn``; ``on_done(outcome)`` once the reply is relayed."""
    conn, request, route = ex.conn, ex.request, ex.route
    assert route is not None
    relay = RelayExchange(conn, request, extra, on_done)
    conn.upstream = upstream_conn
    upstream_conn.start(relay, head, route.timeout, request.method == "HEAD")
    if conn.write_paused:
        upstream_conn.pause_reading()
    if request.chunked:  # already whole: send what was buffered
        for chunk in request.chunks:
            upstream_conn.write(chunk)
        upstream_conn.exchange_request_sent()
    elif request.content_length > 0:
        conn.attach_body(request, upstream_conn)
    else:  # the head was the whole request
        relay.request_sent = True
    return relay


def settle(
    ex: Exchange, upstream: str, relay: RelayExchange, outcome: str, stale_retry: bool
) -> bool:
    """Account for a relayed reply (or its failure); True when it should be tried once more."""
    ex.conn.upstream = None
    request, record = ex.request, ex.record
    request.sink = None
    record.status = relay.status
    record.sent = relay.sent
    record.close = relay.close_after
    if outcome == "ok":
        return False
    if outcome == "client_gone":
        record.close = True
        return False
    if relay.head_seen:  # a reply cut short: the client connection is aborted
        ex.pipeline.upstream_failed(upstream, outcome)
        record.close = True
        return False
    conn_up = relay.conn
    if outcome == "reset" and stale_retry and conn_up is not None and conn_up.reused:
        return True  # a pooled connection the upstream had already closed
    ex.pipeline.upstream_failed(upstream, outcome)
    if outcome == "timeout":
        assert ex.route is not None
        message = f"Upstream {upstream} did not answer within {ex.route.timeout:g} s."
        error(ex, 504, "gateway_timeout", message, {"upstream": upstream})
    else:
        message = f"Upstream {upstream} closed the connection without a reply."
        error(ex, 502, "bad_gateway", message, {"upstream": upstream})
    if request.has_body and not request.complete:
        record.close = True
    return False


async def whole_body(ex: Exchange) -> bytes:
    body = await ex.conn.read_body(ex.request)
    if not ex.request.complete:
        raise ClientGone
    return body


def shadow(
    ex: Exchange, route: Route, target: str, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> None:
    """Send a copy of the request to the route's shadow upstream; its reply is ignored."""
    mirror_to = route.shadow
    assert mirror_to is not None
    pipeline, method = ex.pipeline, ex.request.method

    async def mirror() -> None:
        try:
            await pipeline.registry.request(
                mirror_to, method, target, headers=headers, body=body, timeout=route.timeout
            )
        except (UpstreamTimeout, UpstreamUnavailable) as exc:
            kind = "timeout" if isinstance(exc, UpstreamTimeout) else "unavailable"
            pipeline.upstream_failed(mirror_to, f"shadow_{kind}")

    pipeline.loop.create_task(mirror())

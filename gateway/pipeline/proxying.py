"""Proxying a routed request: pick an instance, send the request, relay the reply.

Retries (on another instance) only for idempotent methods and only when no byte reached the
upstream: connect errors and timeouts. A pooled connection the upstream had already closed
is retried once on a fresh one. Failures are the gateway's own 502/503/504. :func:`settle`
accounts for a relayed reply on both paths. A shadowed route sends a copy to its candidate
(:mod:`gateway.pipeline.shadowing`) and, for a safe method, hands it the primary's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from gateway.pipeline.exchange import Exchange
from gateway.pipeline.outbound import proxied_head, upstream_headers
from gateway.pipeline.relay import RelayExchange
from gateway.pipeline.replies import error
from gateway.pipeline.shadowing import CapturingRelay, answer_of, shadow
from gateway.policy.record import ClientGone
from gateway.sinks import Answer
from gateway.upstreams import UpstreamConnection
from strangler.routing.model import IDEMPOTENT_METHODS


async def proxy(ex: Exchange, upstream: str, extra: bytes, *, stale_retry: bool = True) -> None:
    request, route, pipeline = ex.request, ex.route, ex.pipeline
    assert route is not None
    body = b""
    if request.chunked or route.shadow is not None:
        body = await whole_body(ex)
    head, target = proxied_head(ex, pipeline.registry.groups[upstream].instances[0].address)
    if route.shadow is None:
        await _proxy(ex, upstream, head, extra, None, stale_retry)
        return
    primary = shadow(pipeline, route, request.method, target, upstream_headers(ex), body)
    try:
        await _proxy(ex, upstream, head, extra, primary, stale_retry)
    finally:
        if primary is not None and not primary.done():
            primary.set_result(None)  # no answer to compare: the comparison must not wait


async def _proxy(
    ex: Exchange,
    upstream: str,
    head: bytes,
    extra: bytes,
    primary: asyncio.Future[Answer | None] | None,
    stale_retry: bool,
) -> None:
    """Send ``head`` on, relay the reply; resolve ``primary`` with that answer when given."""
    request, record, route, pipeline = ex.request, ex.record, ex.route, ex.pipeline
    assert route is not None
    record.upstream = upstream
    group = pipeline.registry.groups[upstream]
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
        relay = start(ex, upstream_conn, head, extra, future.set_result, primary is not None)
        outcome = await future
        if settle(ex, upstream, relay, outcome, stale_retry):
            stale_retry = False
            continue
        if primary is not None:
            primary.set_result(answer_of(relay, outcome))
        return


def start(
    ex: Exchange,
    upstream_conn: UpstreamConnection,
    head: bytes,
    extra: bytes,
    on_done: Callable[[str], None],
    capture: bool = False,
) -> RelayExchange:
    """Send the request on ``upstream_conn``; ``on_done(outcome)`` once the reply is relayed.

    With ``capture``, the reply's body is also kept for a shadow comparison."""
    conn, request, route = ex.conn, ex.request, ex.route
    assert route is not None
    relay = (CapturingRelay if capture else RelayExchange)(conn, request, extra, on_done)
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
        # A pooled connection the upstream had already closed. The server closed its other idle
        # ones too (a restart's SIGTERM closes every kept-alive connection): the one retry
        # must not take another of them, so it opens a fresh connection.
        conn_up.instance.close_idle()
        return True
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

"""The gateway's own replies: errors in the project's JSON shape, 401/429, JSON documents.

Every reply carries ``X-Request-ID``; a reply to a request whose body was not read to the end
(or that asked for it) closes the connection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from gateway.http1 import error_json, response_bytes
from gateway.pipeline.exchange import Exchange
from gateway.policy.auth import AuthError
from gateway.policy.ratelimit import Policy, remaining_after


def error(
    ex: Exchange,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    request, record = ex.request, ex.record
    record.status = status
    close = not request.keep_alive or not request.complete
    record.close = close
    all_headers = [(b"x-request-id", record.rid), *headers]
    ex.conn.write(
        response_bytes(
            status,
            error_json(code, message, details),
            all_headers,
            close=close,
            head=request.method == "HEAD",
        )
    )


def unauthenticated(ex: Exchange, exc: AuthError) -> None:
    headers: tuple[tuple[bytes, bytes], ...] = ()
    if exc.status == 401:
        headers = ((b"www-authenticate", b"Bearer"),)
    error(ex, exc.status, exc.code, exc.message, exc.details, headers)


def refuse(ex: Exchange, decision: Any) -> None:
    """429 for a request over its route's rate limit."""
    assert ex.route is not None
    ex.pipeline.rate_limited(ex.route)
    retry_after = max(1, math.ceil(decision.retry_after))
    error(
        ex,
        429,
        "rate_limited",
        f"Too many requests. Retry in {retry_after} s.",
        headers=(
            (b"retry-after", b"%d" % retry_after),
            (b"ratelimit-limit", b"%d" % decision.limit),
            (b"ratelimit-remaining", b"0"),
            (b"ratelimit-reset", b"%d" % math.ceil(decision.reset_after)),
        ),
    )


def limit_headers(decision: Any) -> bytes:
    """The ``RateLimit-*`` header lines of an allowed request, pre-encoded."""
    return b"ratelimit-limit: %d\r\nratelimit-remaining: %d\r\nratelimit-reset: %d\r\n" % (
        decision.limit,
        decision.remaining,
        math.ceil(decision.reset_after),
    )


def allowed_limit_headers(policy: Policy, ahead: float) -> bytes:
    """:func:`limit_headers` of an allowed request from ``MemoryRateLimiter.take``'s result."""
    return b"ratelimit-limit: %d\r\nratelimit-remaining: %d\r\nratelimit-reset: %d\r\n" % (
        policy.limit,
        remaining_after(policy, ahead),
        math.ceil(ahead),
    )


def split_extra(extra: bytes) -> list[tuple[bytes, bytes]]:
    """Pre-encoded header lines back into (name, value) pairs."""
    pairs = []
    for line in extra.split(b"\r\n"):
        if line:
            name, _, value = line.partition(b": ")
            pairs.append((name, value))
    return pairs


def json_reply(ex: Exchange, status: int, data: Any) -> None:
    request = ex.request
    ex.record.status = status
    ex.conn.write(
        response_bytes(
            status,
            json.dumps(data).encode(),
            ((b"x-request-id", ex.record.rid),),
            close=not request.keep_alive,
            head=request.method == "HEAD",
        )
    )

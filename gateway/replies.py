"""The gateway's own replies: errors in the project's JSON shape, 401/429, JSON documents.

Every reply carries ``X-Request-ID``; a reply to a request whose body was not read to the end
(or that asked for it) closes the connection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gateway.auth import AuthError
from gateway.proxy import error_body, response_bytes
from gateway.ratelimit import Policy, remaining_after
from gateway.server import ClientConnection, Request
from gateway.trace import Trace
from strangler.routing.model import Route

if TYPE_CHECKING:
    from gateway.app import Gateway


def error(
    conn: ClientConnection,
    request: Request,
    state: Trace,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    state.status = status
    close = not request.keep_alive or not request.complete
    state.close = close
    all_headers = [(b"x-request-id", state.rid), *headers]
    conn.write(
        response_bytes(
            status,
            error_body(code, message, details),
            all_headers,
            close=close,
            head=request.method == "HEAD",
        )
    )


def unauthenticated(conn: ClientConnection, request: Request, state: Trace, exc: AuthError) -> None:
    headers: tuple[tuple[bytes, bytes], ...] = ()
    if exc.status == 401:
        headers = ((b"www-authenticate", b"Bearer"),)
    error(conn, request, state, exc.status, exc.code, exc.message, exc.details, headers)


def missing_credentials() -> AuthError:
    return AuthError(
        "not_authenticated", "missing", "Authentication credentials were not provided."
    )


def refuse(
    gw: Gateway,
    conn: ClientConnection,
    request: Request,
    state: Trace,
    route: Route,
    decision: Any,
) -> None:
    """429 for a request over its route's rate limit."""
    gw.metrics.rate_limited[route.name] += 1
    retry_after = max(1, math.ceil(decision.retry_after))
    error(
        conn,
        request,
        state,
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


def json_reply(
    conn: ClientConnection, request: Request, state: Trace, status: int, data: Any
) -> None:
    state.status = status
    conn.write(
        response_bytes(
            status,
            json.dumps(data).encode(),
            ((b"x-request-id", state.rid),),
            close=not request.keep_alive,
            head=request.method == "HEAD",
        )
    )

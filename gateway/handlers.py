"""What a gateway handler (composition, protocol translation) receives, returns and may call.

A route with ``handler: package.module:function`` is answered by that coroutine instead of
being proxied. It gets the cleaned request (the client's identity headers stripped, the
gateway's ``X-User-Id``, ``X-Request-ID`` and ``traceparent`` set), the gateway's
:class:`Upstreams` (same pools, balancing and health as proxying) and the route's ``options``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.policy.auth import Identity
from gateway.upstreams.outcomes import UpstreamReply, UpstreamTimeout, UpstreamUnavailable

__all__ = [
    "Handler",
    "HandlerRequest",
    "HandlerResponse",
    "UpstreamReply",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "Upstreams",
]


@dataclass(frozen=True)
class HandlerRequest:
    method: str
    path: str
    query: str  # without the "?"
    path_params: Mapping[str, str]
    headers: Sequence[tuple[bytes, bytes]]  # names lower-case
    body: bytes
    identity: Identity | None
    request_id: str


@dataclass(frozen=True)
class HandlerResponse:
    status: int
    headers: Sequence[tuple[bytes, bytes]]
    body: bytes


class Upstreams(Protocol):
    async def request(
        self,
        upstream: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> UpstreamReply:
        """``path`` may carry a query string. Raises UpstreamTimeout / UpstreamUnavailable."""
        ...

    def pick_address(self, upstream: str) -> str:
        """``host:port`` of a healthy instance (for gRPC); raises UpstreamUnavailable."""
        ...


Handler = Callable[[HandlerRequest, Upstreams, Mapping[str, Any]], Awaitable[HandlerResponse]]

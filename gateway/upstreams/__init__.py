"""Upstream pools: keep-alive connections per instance, balancing, active and passive health.

The gateway's hot path (DESIGN section 8), one module per concern: ``connection`` (the
asyncio Protocol with an httptools response parser, serving one :class:`Exchange` at a time),
``pool`` (an instance's idle connections; choosing an instance; passive ejection), ``health``
(active checks), ``collect`` (whole-reply requests for handlers, shadows and JWKS; the
hop-by-hop header set) and ``registry`` (every upstream of the table, the timeout sweeper,
readiness, :class:`gateway.handlers.Upstreams`). Import from here: these names are the
package's interface.
"""

from __future__ import annotations

from gateway.upstreams.collect import HOP_BY_HOP, CollectExchange, request_head
from gateway.upstreams.connection import Exchange, UpstreamConnection
from gateway.upstreams.pool import (
    IDLE_TIMEOUT,
    MAX_IDLE,
    PASSIVE_COOL_DOWN,
    InstanceState,
    UpstreamGroup,
)
from gateway.upstreams.registry import UpstreamRegistry

__all__ = [
    "HOP_BY_HOP",
    "IDLE_TIMEOUT",
    "MAX_IDLE",
    "PASSIVE_COOL_DOWN",
    "CollectExchange",
    "Exchange",
    "InstanceState",
    "UpstreamConnection",
    "UpstreamGroup",
    "UpstreamRegistry",
    "request_head",
]

"""Upstream pools: keep-alive connections per instance, balancing, active and passive health.

A transport: the gateway's hot path, one module per concern: ``connection`` (the
asyncio Protocol with an httptools response parser, serving one :class:`Exchange` at a time),
``pool`` (an instance's idle connections; choosing an instance; passive ejection), ``health``
(active checks), ``collect`` (whole-reply requests for handlers, shadows and JWKS),
``outcomes`` (what such a request ends in) and ``registry`` (every upstream of the table, the
timeout sweeper, readiness; the handlers' ``Upstreams``). It imports nothing above it: the
layers above hand it an :class:`Exchange` to call back. Import from here: these names are
the package's interface.
"""

from __future__ import annotations

from gateway.upstreams.collect import CollectExchange, whole_request_head
from gateway.upstreams.connection import Exchange, KnownHead, UpstreamConnection
from gateway.upstreams.outcomes import UpstreamReply, UpstreamTimeout, UpstreamUnavailable
from gateway.upstreams.pool import (
    IDLE_TIMEOUT,
    MAX_IDLE,
    PASSIVE_COOL_DOWN,
    InstanceState,
    UpstreamGroup,
)
from gateway.upstreams.registry import UpstreamRegistry

__all__ = [
    "IDLE_TIMEOUT",
    "MAX_IDLE",
    "PASSIVE_COOL_DOWN",
    "CollectExchange",
    "Exchange",
    "InstanceState",
    "KnownHead",
    "UpstreamConnection",
    "UpstreamGroup",
    "UpstreamRegistry",
    "UpstreamReply",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "whole_request_head",
]

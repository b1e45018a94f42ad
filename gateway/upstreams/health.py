"""Active health checks: each instance probed every ``interval``, in and out of the pool.

An HTTP upstream's instance passes when ``GET <health.path>`` answers 2xx within ``timeout``;
a gRPC upstream's (or one without a path) when a TCP connection opens. After ``fall`` failures
in a row the instance leaves the pool, after ``rise`` passes it comes back (and its passive
ejection is forgotten); each change is logged and reported to ``on_change`` for the metrics.
One task per instance runs :func:`health_loop`; the registry starts and cancels them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gateway.upstreams.pool import InstanceState, UpstreamGroup
from strangler.routing.model import HealthCheck

logger = logging.getLogger("gateway.upstreams")


async def health_loop(
    group: UpstreamGroup,
    state: InstanceState,
    health: HealthCheck,
    on_change: Callable[[str, InstanceState], None],
) -> None:
    while True:
        ok = await probe(state, health, group.spec.protocol)
        if ok:
            state.fails = 0
            state.passes += 1
            if not state.healthy and state.passes >= health.rise:
                state.healthy = True
                group.connect_ok(state)
                logger.warning("upstream %s instance %s back in", group.name, state.address)
                on_change(group.name, state)
        else:
            state.passes = 0
            state.fails += 1
            if state.healthy and state.fails >= health.fall:
                state.healthy = False
                logger.warning(
                    "upstream %s instance %s out: %d failed health checks",
                    group.name,
                    state.address,
                    state.fails,
                )
                on_change(group.name, state)
        await asyncio.sleep(health.interval)


async def probe(state: InstanceState, health: HealthCheck, protocol: str) -> bool:
    host, port = state.instance.host, state.instance.port
    try:
        async with asyncio.timeout(health.timeout):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                if protocol == "grpc" or health.path is None:
                    return True
                writer.write(
                    f"GET {health.path} HTTP/1.1\r\nHost: {state.address}\r\n"
                    "User-Agent: gateway-health\r\nConnection: close\r\n\r\n".encode()
                )
                status_line = await reader.readline()
                parts = status_line.split(b" ", 2)
                return len(parts) >= 2 and parts[1].startswith(b"2")
            finally:
                writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return False

"""The bottom layer: HTTP/1.1 framing the gateway writes, and its one error body.

Nothing here knows about routes, connections or upstreams; every other layer may use it.
"""

from __future__ import annotations

from gateway.http1.framing import (
    HOP_BY_HOP,
    REASONS,
    error_json,
    response_bytes,
    status_line,
)

__all__ = ["HOP_BY_HOP", "REASONS", "error_json", "response_bytes", "status_line"]

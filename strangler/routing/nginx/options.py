"""What the export is asked for: the listen address, the helper upstreams, the limits.

:class:`ExportOptions` holds the choices that are not in the route table (where nginx
listens, the Python gateway's verifier and handlers addresses, body and header limits,
workers, logs); ``VERIFY_PATH`` is the Python gateway's token check used by ``auth_request``.
"""

from __future__ import annotations

from dataclasses import dataclass

VERIFY_PATH = "/_gateway/verify"
DEFAULT_MAX_BODY = 10 * 1024 * 1024


@dataclass(frozen=True)
class ExportOptions:
    listen: str = "8000"  # "PORT" (every interface) or "HOST:PORT"
    verifier: str | None = None  # host:port of the Python gateway's /_gateway/verify
    handlers_upstream: str | None = None  # host:port of a Python gateway answering handlers
    max_body: int = DEFAULT_MAX_BODY
    header_timeout: float = 10.0
    workers: str = "auto"
    access_log: str = "access.log"  # relative to the nginx prefix, or "off"
    error_log: str = "stderr"
    keepalive: int = 64
    source: str = ""

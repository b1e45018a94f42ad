"""The client side of the gateway: connections, request parsing and the checks on input.

One module per concern: ``request`` (the parsed :class:`Request`, the limits, the header
table, :func:`path_problem`, :class:`Reject`), ``connection`` (:class:`ClientConnection`, the
asyncio Protocol and its httptools callbacks) and ``answering`` (its other half: requests
answered in order, rejections, flow control, bodies, timeouts), ``listener`` (what the
connections share, and their sweeper) and ``ports`` (the Protocols through which this transport
calls the layers above: it imports none of them). Import from here: these names are the
package's interface.
"""

from __future__ import annotations

from gateway.server.answering import KEEPALIVE_TIMEOUT, MAX_QUEUED
from gateway.server.connection import BODY_BUFFER, ClientConnection, Dispatcher
from gateway.server.listener import Listener
from gateway.server.ports import BodySink, ClientResolver, Refusals
from gateway.server.request import (
    IDENTITY_HEADERS,
    IDENTITY_PREFIX,
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_URL,
    Reject,
    Request,
    path_problem,
)

__all__ = [
    "BODY_BUFFER",
    "IDENTITY_HEADERS",
    "IDENTITY_PREFIX",
    "KEEPALIVE_TIMEOUT",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "MAX_QUEUED",
    "MAX_URL",
    "BodySink",
    "ClientConnection",
    "ClientResolver",
    "Dispatcher",
    "Listener",
    "Refusals",
    "Reject",
    "Request",
    "path_problem",
]

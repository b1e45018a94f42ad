"""Per-request state the access log and metrics need, and the request and trace ids."""

from __future__ import annotations

import itertools
import os
import random

from gateway.server.request import _SANE_REQUEST_ID, _TRACEPARENT_RE, Request

# Ids need to be unique, not secret: a random per-process prefix and a counter (started at a
# random point), so a request pays neither a syscall nor a 128-bit random draw.
_PREFIX = os.urandom(8).hex().encode()
_counter = itertools.count(random.getrandbits(62))
_NO_TRACE = b"0" * 32  # an all-zero trace id is invalid: make a new one


class ClientGone(Exception):
    """The client closed its connection before its request was complete."""


class Trace:
    """What the access log and metrics need to know about one request."""

    __slots__ = (
        "close",
        "instance",
        "request_id",
        "rid",
        "route",
        "sent",
        "status",
        "trace_id",
        "traceparent",
        "upstream",
        "user",
    )

    def __init__(self, request: Request) -> None:
        self.route = "-"
        self.upstream = "-"
        self.instance = "-"
        self.status = 0
        self.sent = 0
        self.close = False
        self.user = ""
        given = request.traceparent
        found = _TRACEPARENT_RE.fullmatch(given) if given is not None else None
        if given is not None and found is not None and found.group(1) != _NO_TRACE:
            self.traceparent: bytes = given
            trace = found.group(1)
        else:
            span = b"%016x" % next(_counter)
            trace = _PREFIX + span
            self.traceparent = b"00-" + trace + b"-" + span + b"-01"
        self.trace_id = trace.decode()
        rid = request.request_id
        if rid is not None and _SANE_REQUEST_ID.fullmatch(rid):
            self.rid = rid  # the request id, encoded, as headers carry it
            self.request_id = rid.decode()
        else:
            self.rid = trace
            self.request_id = self.trace_id


def header(request: Request, name: bytes) -> bytes | None:
    """The first value of a (lower-case) request header, or None."""
    for key, value in request.headers:
        if key == name:
            return value
    return None

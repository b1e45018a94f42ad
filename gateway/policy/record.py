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
_NO_TRACE = b"0" * 32  # all-zero ids are invalid (W3C): the gateway starts a new trace
_NO_SPAN = b"0" * 16


class ClientGone(Exception):
    """The client closed its connection before its request was complete."""


class Trace:
    """What the access log, the gateway's span and metrics need to know about one request.

    The gateway's span is a child of the client's ``traceparent`` (or the root of a new trace);
    upstreams get the gateway's span as their parent. ``sampled`` follows the caller's flags:
    an unsampled trace is passed on unsampled and the gateway records no span of it.
    """

    __slots__ = (
        "close",
        "instance",
        "parent",
        "request_id",
        "rid",
        "route",
        "sampled",
        "sent",
        "span",
        "status",
        "trace_id",
        "traceparent",
        "upstream",
        "user",
    )

    # The share of the traces the gateway starts that are sampled (OTEL_TRACES_SAMPLER, read
    # once at start by gateway.sinks.spans.root_sample_ratio); a caller's decision is always kept.
    root_ratio = 1.0

    def __init__(self, request: Request) -> None:
        self.route = "-"
        self.upstream = "-"
        self.instance = "-"
        self.status = 0
        self.sent = 0
        self.close = False
        self.user = ""
        self.span = span = b"%016x" % next(_counter)
        given = request.traceparent
        found = _TRACEPARENT_RE.fullmatch(given) if given is not None else None
        if found is not None and found.group(1) != _NO_TRACE and found.group(2) != _NO_SPAN:
            trace, self.parent, flags = found.groups()
            self.sampled = int(flags, 16) & 1 == 1
        else:
            trace, self.parent = _PREFIX + span, b""
            ratio = self.root_ratio
            self.sampled = ratio >= 1.0 or random.random() < ratio
            flags = b"01" if self.sampled else b"00"
        self.traceparent: bytes = b"".join((b"00-", trace, b"-", span, b"-", flags))
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

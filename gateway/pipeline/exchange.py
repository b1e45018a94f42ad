"""One request being answered, and the one way an answer ends."""

from __future__ import annotations

from time import perf_counter, time

from gateway.pipeline.context import Pipeline
from gateway.policy.auth import Identity
from gateway.policy.record import Trace
from gateway.server import ClientConnection, Request
from strangler.routing.model import Route


class Exchange:
    """A request, its connection, its record (:class:`~gateway.policy.record.Trace`) and, once
    known, its route and the caller's identity. The fast and the full path both end it with
    :meth:`complete`."""

    __slots__ = ("conn", "identity", "pipeline", "record", "request", "route")

    def __init__(self, pipeline: Pipeline, conn: ClientConnection, request: Request) -> None:
        self.pipeline = pipeline
        self.conn = conn
        self.request = request
        self.record = Trace(request)
        self.route: Route | None = None
        self.identity: Identity | None = None

    def complete(self, close: bool = False) -> None:
        """The reply is written: tell every sink, and let the connection go on (or close)."""
        pipeline, request, record = self.pipeline, self.request, self.record
        pipeline.in_flight -= 1
        # The duration first, then the wall clock: a span starts at ``ts - duration``, so a
        # pause between the two reads (the process preempted) may only make it start later
        # than it did, never before the client sent the request.
        duration = perf_counter() - request.started
        entry = (
            time(),
            request.method,
            request.path,
            record.route,
            record.upstream,
            record.instance,
            record.status,
            duration,
            record.sent,
            record.request_id,
            record.trace_id,
            record.user,
            request.client,
            record.span if record.sampled else b"",
            record.parent,
        )
        for sink in pipeline.sinks:
            sink.answered(entry)
        self.conn.finished(request, close or record.close)

"""The pipeline's door: the server's :class:`~gateway.server.Dispatcher`."""

from __future__ import annotations

from gateway.pipeline.context import Pipeline
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.fast import try_fast
from gateway.pipeline.full import serve
from gateway.server import ClientConnection, Reject, Request


class Dispatch:
    """Hands each parsed request to the fast path, or else to a task on the full path
    (always, with ``fast_path=False``: the paths answer alike, only slower)."""

    def __init__(self, pipeline: Pipeline, *, fast_path: bool = True) -> None:
        self.pipeline = pipeline
        self.fast_path = fast_path

    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        pipeline = self.pipeline
        if self.fast_path and try_fast(pipeline, conn, request):
            return
        pipeline.in_flight += 1
        pipeline.loop.create_task(serve(Exchange(pipeline, conn, request)))

    def refused(self, reject: Reject) -> None:
        self.pipeline.refused(reject)

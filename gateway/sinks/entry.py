"""The one record every sink gets per answered request, and the interface they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# ts (time.time()), method, path, route, upstream, instance, status, duration (s), bytes sent,
# request_id, trace_id, user ("" when anonymous), client, the gateway's span id (b"" when no
# span is recorded), its parent span id (b"" for a root)
Entry = tuple[float, str, str, str, str, str, int, float, int, str, str, str, str, bytes, bytes]


class Sink(Protocol):
    """Metrics, the access log and spans: each is told of every answered request."""

    def answered(self, entry: Entry) -> None: ...

    def close(self) -> None: ...


class BatchWriter(Protocol):
    """A sink's slow half (formatting, writing), given entries in batches off the request path."""

    def write(self, entries: Sequence[Entry]) -> None: ...

    def close(self) -> None: ...

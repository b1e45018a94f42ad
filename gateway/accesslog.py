"""JSON access log, one line per request, buffered and written by a timer off the request path.

Writing each line as it happens cost 37% of the throughput (DESIGN section 8); here a request
appends one tuple to a list, and the list is formatted and written every ``interval`` seconds
or when it grows past ``max_buffer`` entries. The gateway's spans are made from the same
entries at the same moment (:mod:`gateway.spans`), so tracing adds no step to a request.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from gateway.spans import SpanSink
from strangler.telemetry.spanfile import json_string

_dumps = json.dumps
_MILLIS = [f"{ms:03d}" for ms in range(1000)]  # the timestamp's milliseconds, preformatted

# ts (time.time()), method, path, route, upstream, instance, status, duration (s), bytes sent,
# request_id, trace_id, user ("" when anonymous), client, the gateway's span id (b"" when no
# span is recorded), its parent span id (b"" for a root)
Entry = tuple[float, str, str, str, str, str, int, float, int, str, str, str, str, bytes, bytes]


class AccessLog:
    def __init__(
        self,
        target: str | None,
        loop: asyncio.AbstractEventLoop,
        *,
        interval: float = 0.25,
        max_buffer: int = 2048,
        spans: SpanSink | None = None,
    ) -> None:
        self.loop = loop
        self.interval = interval
        self.max_buffer = max_buffer
        self.buffer: list[Entry] = []
        self.spans = spans
        self.enabled = target is not None or spans is not None
        self._timer: asyncio.TimerHandle | None = None
        if target is None:
            self.fd = -1
        elif target == "-":
            self.fd = sys.stdout.fileno()
        else:
            self.fd = os.open(Path(target), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._second = -1
        self._stamp = ""

    def log(self, entry: Entry) -> None:
        """Queue one request's entry (formatted when the buffer is written)."""
        if not self.enabled:
            return
        buffer = self.buffer
        buffer.append(entry)
        if len(buffer) >= self.max_buffer:
            self.flush()
        elif self._timer is None:
            self._timer = self.loop.call_later(self.interval, self.flush)

    def format(self, entry: Entry) -> str:
        (ts, method, path, route, upstream, instance, status, duration, sent, request_id,
         trace_id, user, client, _, _) = entry  # fmt: skip
        second = int(ts)
        if second != self._second:  # the formatted date changes once a second
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return (
            f'{{"ts":"{self._stamp}.{_MILLIS[int((ts - second) * 1000)]}Z","method":"{method}",'
            f'"path":{json_string(path)},"route":"{route}","upstream":"{upstream}",'
            f'"instance":"{instance}","status":{status},"duration_ms":{duration * 1000:.3f},'
            f'"bytes":{sent},"request_id":"{request_id}","trace_id":"{trace_id}",'
            f'"user":{_dumps(user) if user else "null"},"client":"{client}"}}\n'
        )

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.buffer:
            return
        entries, self.buffer = self.buffer, []
        if self.spans is not None:
            self.spans.export(
                [
                    (e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[10], e[13], e[14], e[11])
                    for e in entries
                    if e[13]
                ]
            )
        if self.fd < 0:
            return
        data = "".join([self.format(entry) for entry in entries]).encode()
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except BlockingIOError:  # a full pipe: drop rather than stall the gateway
            pass
        except OSError:
            pass

    def close(self) -> None:
        self.flush()
        if self.spans is not None:
            self.spans.shutdown()
        if self.fd > 2:
            os.close(self.fd)

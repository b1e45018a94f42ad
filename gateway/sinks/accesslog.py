"""JSON access log, one line per request, formatted and written off the request path.

Writing each line as it happens cost 37% of the throughput (docs/design.md); here a request
appends one tuple to a list (:class:`~gateway.sinks.batch.Batched`) and :class:`AccessLogFile`
formats and writes the list in one ``write``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gateway.sinks.entry import Entry
from strangler.telemetry.spanfile import json_string

_dumps = json.dumps
_MILLIS = [f"{ms:03d}" for ms in range(1000)]  # the timestamp's milliseconds, preformatted


class AccessLogFile:
    """Writes entries as JSON lines to a file, or to stdout for ``"-"``."""

    def __init__(self, target: str) -> None:
        if target == "-":
            self.fd = sys.stdout.fileno()
        else:
            self.fd = os.open(Path(target), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._second = -1
        self._stamp = ""

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

    def write(self, entries: Sequence[Entry]) -> None:
        data = "".join([self.format(entry) for entry in entries]).encode()
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError:  # a full pipe (BlockingIOError) or a broken file: drop, never stall
            pass

    def close(self) -> None:
        if self.fd > 2:
            os.close(self.fd)

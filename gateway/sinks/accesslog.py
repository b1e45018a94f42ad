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
_MAX_SHAPES = 4096


class AccessLogFile:
    """Writes entries as JSON lines to a file, or to stdout for ``"-"``."""

    def __init__(self, target: str) -> None:
        if target == "-":
            self.fd = sys.stdout.fileno()
        else:
            self.fd = os.open(Path(target), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._second = -1
        self._stamp = ""
        self._shapes: dict[tuple[str, str, str, str, str, int], str] = {}

    def format(self, entry: Entry) -> str:
        return self.lines((entry,))

    def lines(self, entries: Sequence[Entry]) -> str:
        """The JSON lines of ``entries``. What the method, path, route, upstream, instance and
        status make of a line is formatted once per such shape and reused: under load most
        requests repeat a shape (a listing, a health check), and only the time, duration,
        bytes, ids, user and client are formatted per entry."""
        shapes = self._shapes
        out: list[str] = []
        append = out.append
        for entry in entries:
            ts = entry[0]
            second = int(ts)
            if second != self._second:  # the formatted date changes once a second
                self._second = second
                self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            key = entry[1:7]
            shape = shapes.get(key)
            if shape is None:
                shape = self._shape(key)
            user = entry[11]
            append(
                f'{{"ts":"{self._stamp}.{_MILLIS[int((ts - second) * 1000)]}{shape}'
                f'{entry[7] * 1000:.3f},"bytes":{entry[8]},"request_id":"{entry[9]}",'
                f'"trace_id":"{entry[10]}","user":{_dumps(user) if user else "null"},'
                f'"client":"{entry[12]}"}}\n'
            )
        return "".join(out)

    def _shape(self, key: tuple[str, str, str, str, str, int]) -> str:
        method, path, route, upstream, instance, status = key
        if len(self._shapes) >= _MAX_SHAPES:  # bounded: paths with ids make new shapes
            self._shapes.clear()
        shape = self._shapes[key] = (
            f'Z","method":"{method}","path":{json_string(path)},"route":"{route}",'
            f'"upstream":"{upstream}","instance":"{instance}","status":{status},"duration_ms":'
        )
        return shape

    def write(self, entries: Sequence[Entry]) -> None:
        data = self.lines(entries).encode()
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError:  # a full pipe (BlockingIOError) or a broken file: drop, never stall
            pass

    def close(self) -> None:
        if self.fd > 2:
            os.close(self.fd)

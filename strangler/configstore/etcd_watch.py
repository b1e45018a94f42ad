"""One watch on etcd's v3 JSON gateway, read by a thread of its own.

The store reads the gateway's stream itself: etcd3gw's ``watch`` drops the end of its stream
silently (its reader thread returns and the iterator waits forever), so an etcd restart would
leave it deaf. Here the end of the stream, an error and a cancellation by etcd (a compacted
start revision) all raise :class:`StreamEnded`, and the store reconnects.
"""

from __future__ import annotations

import base64
import contextlib
import json
import queue
import socket
import threading
from collections.abc import Iterator

import requests

STOP_CHECK = 0.5  # seconds: how often a watch waiting for events looks at ``stop``


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def unb64(text: str) -> str:
    return base64.b64decode(text).decode()


def range_end(prefix: str) -> str:
    """The end of the range of keys that start with ``prefix`` (which ends with ``/``)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class StreamEnded(Exception):
    """The watch stream closed, failed, or was cancelled by etcd (a compacted revision)."""


class WatchStream:
    """One watch on etcd's gateway (``POST /v3/watch``, newline-delimited JSON responses),
    read by a daemon thread into a queue so that the caller can look at ``stop`` meanwhile."""

    def __init__(self, url: str, prefix: str, start_revision: int, timeout: float) -> None:
        """Opens the watch of the keys under ``prefix`` from ``start_revision`` at the
        gateway's ``url`` (``.../watch``); raises ``requests.RequestException`` when etcd
        cannot be reached and :class:`StreamEnded` when it refuses."""
        self._queue: queue.Queue[int | StreamEnded | None] = queue.Queue()
        self._session = requests.Session()
        request = {
            "create_request": {
                "key": b64(prefix),
                "range_end": b64(range_end(prefix)),
                "start_revision": str(start_revision),
            }
        }
        try:
            self._response = self._session.post(
                url, json=request, stream=True, timeout=(timeout, None)
            )
        except requests.RequestException:
            self._session.close()
            raise
        if self._response.status_code != 200:
            self.close()
            raise StreamEnded(f"watch refused: HTTP {self._response.status_code}")
        threading.Thread(target=self._read, name="etcd-watch", daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        try:
            for chunk in self._response.iter_content(chunk_size=None):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        self._queue.put(self._parse(line))
            self._queue.put(StreamEnded("the stream ended"))
        except StreamEnded as exc:
            self._queue.put(exc)
        except Exception as exc:  # the connection broke, or closed by close()
            self._queue.put(StreamEnded(type(exc).__name__))

    @staticmethod
    def _parse(line: bytes) -> int | None:
        """The greatest revision of a batch of events; None for other messages (the watch's
        creation, progress)."""
        message = json.loads(line)
        if "error" in message:
            raise StreamEnded(str(message["error"].get("message", message["error"])))
        result = message.get("result", {})
        if result.get("canceled") or int(result.get("compact_revision", 0)):
            raise StreamEnded(f"cancelled by etcd ({result.get('cancel_reason', 'compacted')})")
        events = result.get("events", [])
        return max((int(event["kv"]["mod_revision"]) for event in events), default=None)

    def revisions(self, stop: threading.Event) -> Iterator[int | None]:
        """Yields each message's revision (None for one without events) until ``stop`` is
        set; raises ``StreamEnded`` when the stream does."""
        while not stop.is_set():
            try:
                item = self._queue.get(timeout=STOP_CHECK)
            except queue.Empty:
                continue
            if isinstance(item, StreamEnded):
                raise item
            yield item

    def close(self) -> None:
        """Shuts the connection down under the reader thread (which then ends)."""
        with contextlib.suppress(Exception):
            raw = socket.fromfd(self._response.raw.fileno(), socket.AF_INET, socket.SOCK_STREAM)
            raw.shutdown(socket.SHUT_RDWR)
            raw.close()
        with contextlib.suppress(Exception):
            self._response.close()
        self._session.close()

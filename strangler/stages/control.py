"""The control channel of a running ``stage up``: a Unix socket next to its state file.

Another shell (``python -m strangler stage restart monolith``) connects, sends one JSON line
(``{"command": "restart", "upstream": "monolith"}``) and reads JSON lines back: ``{"log":
...}`` while the runner works, then one ``{"result": ...}``. The runner does the work itself
because it owns the processes: a process started from another shell would not be its child,
and its supervisor would take the deliberate stop for a crash.

A Unix socket, not a TCP port: only users who may write to ``var/`` can send commands.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Emit = Callable[[dict[str, Any]], None]
Handler = Callable[[dict[str, Any], Emit], dict[str, Any]]


class ControlServer:
    """Serves commands on ``path`` in a thread; one command at a time."""

    def __init__(self, path: Path, handle: Handler) -> None:
        self.path = path
        self.handle = handle
        self.busy = threading.Lock()
        outer = self

        class _Request(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer._serve(self.rfile.readline(), self.wfile.write)

        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # left by a runner that was killed
        self.server = socketserver.ThreadingUnixStreamServer(str(path), _Request)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="stage-control", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)

    def _serve(self, line: bytes, write: Callable[[bytes], Any]) -> None:
        def emit(message: dict[str, Any]) -> None:
            with contextlib.suppress(OSError):  # the client went away: keep working
                write(json.dumps(message).encode() + b"\n")

        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a JSON object was expected")
        except ValueError as exc:
            emit({"result": {"ok": False, "error": f"bad request: {exc}"}})
            return
        if not self.busy.acquire(blocking=False):
            emit({"result": {"ok": False, "error": "another command is running; try again"}})
            return
        try:
            emit({"result": self.handle(request, emit)})
        except Exception as exc:  # reported to the caller, the runner keeps running
            emit({"result": {"ok": False, "error": f"{type(exc).__name__}: {exc}"}})
        finally:
            self.busy.release()


def send(path: Path, request: dict[str, Any], timeout: float = 600.0) -> Iterator[dict[str, Any]]:
    """Send ``request`` to the runner listening on ``path``; yield each message it answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as answers:
            for line in answers:
                yield json.loads(line)

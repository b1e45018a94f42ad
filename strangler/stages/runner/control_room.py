"""The control room: a page on loopback (default port 8009) showing the running stage.

``make demo`` and ``stage up`` serve it while the stage runs: ``GET /`` is the page (every
process's health and restarts, what to open, the route table, the event subscriptions; it
reloads itself), ``GET /status.json`` the same as JSON. It only reads: nothing on it starts or
stops anything (``stage restart`` and ``stage down`` do, from a shell).

The standard library's threaded HTTP server, not Django: the runner is not a Django process
(its children are, each with its own settings), and the page is two reads of the runner's own
memory; a framework would add settings and an app for one read-only page.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from strangler.stages.runner.room_page import Snapshot, as_json, render_html

PAGE_PATHS = ("/", "/index.html")
JSON_PATH = "/status.json"


class ControlRoom:
    """Serves ``take`` (a fresh :class:`Snapshot` per request) on 127.0.0.1:``port``."""

    def __init__(self, take: Callable[[], Snapshot], port: int) -> None:
        self.take = take

        room = self

        class _Request(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in PAGE_PATHS:
                    self._send(HTTPStatus.OK, "text/html", render_html(room.take()).encode())
                elif path == JSON_PATH:
                    self._json(HTTPStatus.OK, as_json(room.take()))
                else:
                    self._json(
                        HTTPStatus.NOT_FOUND,
                        {"error": f"no page at {path}: the control room is / and {JSON_PATH}"},
                    )

            do_HEAD = do_GET  # _send leaves the body out

            def __getattr__(self, name: str) -> Any:
                """Any other method (``do_POST``, ``do_FOO``): a 405, not the stdlib's 501."""
                if name.startswith("do_"):
                    return self._refuse
                raise AttributeError(name)

            def _refuse(self) -> None:
                self._json(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    {"error": f"{self.command} is not allowed: the control room only reads (GET)"},
                    allow="GET, HEAD",
                )

            def _json(self, status: HTTPStatus, body: dict[str, Any], **headers: str) -> None:
                self._send(status, "application/json", json.dumps(body).encode(), **headers)

            def _send(self, status: HTTPStatus, kind: str, body: bytes, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in headers.items():
                    self.send_header(name.capitalize(), value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the page reloads every few seconds: a line each time is noise

        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Request)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="control-room", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> ControlRoom:
        self.thread.start()
        return self

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

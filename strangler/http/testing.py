"""A real HTTP server on a free loopback port for the tests of a service client.

It answers each request with the next of the replies it was given (the last one repeats),
records what it received, and can hold a request unanswered (``Reply(hang=True)``) until it
is closed, for a timeout to trip on, or close the connection without answering
(``Reply(drop=True)``).

A port a test gets was some earlier test's, whose calls may have opened a circuit on it: with
``REDIS_URL`` set, a breaker's state outlives its test (:mod:`strangler.http.breaker`), so each
port handed out here starts with none stored.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis

from strangler.http.breaker import redis_for_breakers, storage_prefix


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    hang: bool = False  # never answer (until the server closes)
    drop: bool = False  # close the connection without an answer (a keep-alive close's race)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ScriptedServer:
    replies: list[Reply] = field(default_factory=lambda: [Reply(200, {})])
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._released = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                reply = server._record(
                    Received(
                        method=self.command,
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                if reply.hang:
                    server._released.wait()
                    return
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        forget_breakers(f"127.0.0.1:{self.server.server_address[1]}")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _record(self, received: Received) -> Reply:
        with self._lock:
            index = len(self.received)
            self.received.append(received)
            return self.replies[min(index, len(self.replies) - 1)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def scripted_server(*replies: Reply) -> Iterator[ScriptedServer]:
    server = ScriptedServer(list(replies) or [Reply(200, {})])
    try:
        yield server
    finally:
        server.close()


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (bound, then closed, so it is free)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    forget_breakers(f"127.0.0.1:{port}")
    return f"http://127.0.0.1:{port}"


def forget_breakers(instance: str) -> None:
    """Remove every breaker state stored in ``REDIS_URL``'s Redis for calls to ``instance``
    (host:port), whoever the caller; nothing to do without ``REDIS_URL``, or with a Redis out
    of reach (the breakers cannot read it either)."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return
    pattern = f"{storage_prefix('*', '*', instance)}:*"
    try:
        with redis_for_breakers(url) as client:
            stored = list(client.scan_iter(match=pattern))
            if stored:
                client.delete(*stored)
    except redis.RedisError:
        pass

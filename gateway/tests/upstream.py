"""A small real upstream for the gateway's tests; every request it gets goes to its log.

``python -m gateway.tests.upstream --port N --log FILE [--name NAME] [--down-file F]``

Each request head is appended to FILE as one JSON line (``"kind": "head"``: method, path,
headers) as soon as it arrives, before its body is read; each complete request follows as
another (``"kind": "request"``, with the body length) *before* it is answered; a request
whose connection ends before its body does (``"kind": "cut"``, the bytes that came) is logged
and never answered. So a test can tell for sure whether a request, or only its start, reached
the upstream.

- ``/health/ready``: 200, or 503 while ``--down-file`` exists (not logged)
- ``/jwks.json``: the ``--jwks`` file, 503 while it does not exist (not logged)
- ``/slow?seconds=S``: answers after S seconds
- ``/status/NNN``: answers status NNN
- ``/bytes?n=N``: a body of N bytes (streamed in 64 KiB writes)
- ``/chunked?n=N``: the same, chunked
- anything else: 200 with the request echoed as JSON (method, path, headers, body length,
  the instance's name)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _record(self, kind: str, **extra: object) -> None:
        entry = {
            "kind": kind,
            "method": self.command,
            "path": self.path,
            "headers": [[k.lower(), v] for k, v in self.headers.items()],
            **extra,
        }
        with self.server.lock, self.server.log_path.open("a") as log:
            log.write(json.dumps(entry) + "\n")

    def _body(self) -> bytes | None:
        """The whole body, or None (logged as cut) if the connection ended before it did."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) == length:
            return body
        self._record("cut", body_length=len(body))
        return None

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        probe = url.path == "/health/ready" or (
            url.path == "/jwks.json" and self.server.jwks is not None
        )
        if not probe:
            self._record("head")
        body = self._body()
        if body is None:  # an incomplete request is not a request: never answered
            self.close_connection = True
            return
        if url.path == "/jwks.json" and self.server.jwks is not None:
            if not self.server.jwks.exists():  # the issuer has no keys yet
                self._send(503, b'{"status": "no keys yet"}')
                return
            self._send(200, self.server.jwks.read_bytes())
            return
        if url.path == "/health/ready":
            down = self.server.down_file is not None and self.server.down_file.exists()
            self._send(503 if down else 200, b'{"status": "down"}' if down else b'{"status": "ok"}')
            return
        self._record("request", body_length=len(body))
        if url.path == "/slow":
            time.sleep(float(query.get("seconds", ["1"])[0]))
        if url.path.startswith("/status/"):
            self._send(int(url.path.rsplit("/", 1)[1]), b'{"status": "as asked"}')
            return
        if url.path in ("/bytes", "/chunked"):
            self._stream(int(query.get("n", ["0"])[0]), chunked=url.path == "/chunked")
            return
        echo = {
            "instance": self.server.name,
            "method": self.command,
            "path": self.path,
            "headers": [[k.lower(), v] for k, v in self.headers.items()],
            "body_length": len(body),
            "body_sha": hashlib.sha256(body).hexdigest(),
        }
        self._send(200, json.dumps(echo).encode())

    def _stream(self, size: int, chunked: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"x" * 65536
        left = size
        while left > 0:
            piece = block[: min(left, len(block))]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            left -= len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, port: int, log_path: Path, name: str, down_file: Path | None, jwks: Path | None
    ) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.jwks = jwks
        self.log_path = log_path
        self.name = name
        self.down_file = down_file
        self.lock = threading.Lock()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--name", default="upstream")
    parser.add_argument("--down-file", type=Path)
    parser.add_argument("--jwks", type=Path, help="served at /jwks.json (not logged)")
    args = parser.parse_args()
    args.log.touch()
    server = Upstream(args.port, args.log, args.name, args.down_file, args.jwks)
    print(f"upstream {args.name} listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

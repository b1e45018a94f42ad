"""Test helpers for every service's suites."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from rest_framework.test import APIClient

from strangler.auth.tokens import issue_pair

T = TypeVar("T")

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("monolith", "strangler", "gateway", "extracted")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the code under ``root`` with its ``pyproject.toml`` contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def copy_code(source: Path, destination: Path) -> Path:
    """The packages of ``source`` (without tests) and its ``pyproject.toml``, copied into
    ``destination``, to show that a contract breaks when a forbidden import is added there."""
    for package in PACKAGES:
        if not (source / package).is_dir():
            continue  # a stage's tag has only the packages of its stages
        shutil.copytree(
            source / package,
            destination / package,
            ignore=shutil.ignore_patterns("__pycache__", "tests"),
        )
    shutil.copy(source / "pyproject.toml", destination / "pyproject.toml")
    return destination


def client_for(customer_id: int, roles: Sequence[str] = ()) -> APIClient:
    """An API client holding a valid access token for ``customer_id`` (with ``roles``, as
    identity's tokens carry them); no identity DB needed."""
    client = APIClient()
    claims: dict[str, object] = {"email": f"c{customer_id}@example.com"}
    if roles:
        claims["roles"] = list(roles)
    token = issue_pair(str(customer_id), **claims).access
    client.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return client


def eventually(
    check: Callable[[], T],
    what: str | Callable[[], str],
    *,
    deadline: float = 15.0,
    poll: float = 0.05,
) -> T:
    """Poll ``check`` until it returns something truthy and return that; after ``deadline``
    seconds fail with an AssertionError naming ``what``: a callable ``what`` is asked after
    the last check, so the message can say what that check saw. Tests wait this way, never by
    sleeping a fixed time."""
    end = time.monotonic() + deadline
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(
                f"not within {deadline:.0f}s: {what() if callable(what) else what}"
            )
        time.sleep(poll)


class ServerProcess:
    """A server a test starts itself (etcd, OpenBao): its output in ``log_path``, ready when
    ``ready()`` says so within the deadline (a server that exits first fails the test with the
    tail of its log), stopped by its pid. It may be started again once stopped."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None

    def start(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        ready: Callable[[], bool],
        deadline: float,
    ) -> None:
        with self.log_path.open("ab") as log:
            popen = subprocess.Popen(
                list(argv), stdout=log, stderr=subprocess.STDOUT, env=dict(env),
                start_new_session=True,
            )  # fmt: skip
        self.popen = popen

        def started() -> bool:
            if popen.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise AssertionError(f"{self.name} exited with {popen.returncode}:\n{tail}")
            return ready()

        eventually(started, f"{self.name} ready", deadline=deadline)

    def stop(self) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        self.popen = None


class OtlpCollector:
    """An OTLP/HTTP endpoint on loopback that keeps every span it is sent."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        self.spans: list[tuple[str, str, str, str]] = []  # service, name, trace id, parent id
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    service = next(
                        a.value.string_value
                        for a in resource.resource.attributes
                        if a.key == "service.name"
                    )
                    for scope in resource.scope_spans:
                        for span in scope.spans:
                            collector.spans.append(
                                (service, span.name, span.trace_id.hex(), span.parent_span_id.hex())
                            )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

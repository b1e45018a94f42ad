"""A tiny real HTTP/1.1 upstream for the gateway tests: it records every request it gets.

It runs on an asyncio loop in a background thread of the test process, so a test can read
its log directly ("this request never reached the upstream"), tell it how to answer a path
(status, body, delay, or an abrupt reset), stop it (every open connection dies with it, as with
a crashed process) and start it again on the same port.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

HEALTH_PREFIX = "/health/"
MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Recorded:
    """One request as the upstream received it (header names lower-cased, in order)."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | None = None  # None: a JSON echo naming the upstream, method and target
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0
    reset: bool = False  # close the connection abruptly instead of answering
    # close it abruptly when the request came on a connection that served one before: a
    # kept-alive connection the server closed at the moment the client reused it (a restart)
    reset_if_kept_alive: bool = False


class _Loop:
    """One event loop thread shared by every upstream of the test session."""

    _instance: _Loop | None = None

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="upstreams")
        self.thread.start()

    @classmethod
    def get(cls) -> _Loop:
        if cls._instance is None:
            cls._instance = _Loop()
        return cls._instance

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)


@dataclass
class RecordingUpstream:
    """``RecordingUpstream("orders").start()``; ``.address`` is ``127.0.0.1:<port>``."""

    name: str
    port: int = 0
    host: str = "127.0.0.1"
    _log: list[Recorded] = field(default_factory=list)
    _rules: list[tuple[str, Reply]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> RecordingUpstream:
        _Loop.get().run(self._start())
        return self

    def stop(self) -> None:
        if self._server is not None:
            _Loop.get().run(self._stop())

    # --- what to answer -------------------------------------------------------------------

    def reply(self, prefix: str, reply: Reply) -> None:
        """Answer requests whose path starts with ``prefix`` with ``reply`` (latest rule wins)."""
        with self._lock:
            self._rules.insert(0, (prefix, reply))

    def reset_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            for prefix, reply in self._rules:
                if path.startswith(prefix):
                    return reply
        return Reply()

    # --- what it got ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """Every request except health probes, oldest first."""
        with self._lock:
            return [r for r in self._log if not r.path.startswith(HEALTH_PREFIX)]

    @property
    def health_probes(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self._log if r.path.startswith(HEALTH_PREFIX)]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def last(self) -> Recorded:
        got = self.requests
        assert got, f"upstream {self.name!r} received no request"
        return got[-1]

    def wait_for(self, predicate: Callable[[list[Recorded]], bool], deadline: float = 5.0) -> None:
        end = time.monotonic() + deadline
        while not predicate(self.requests):
            if time.monotonic() > end:
                raise AssertionError(
                    f"upstream {self.name!r}: condition not met after {deadline}s; "
                    f"got {[(r.method, r.target) for r in self.requests]}"
                )
            time.sleep(0.02)

    # --- the server -----------------------------------------------------------------------

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, reuse_address=True, limit=MAX_HEAD
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            for served in itertools.count():
                request = await _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self._log.append(request)
                keep_alive = await self._answer(request, writer, kept_alive=served > 0)
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.close()

    async def _answer(
        self, request: Recorded, writer: asyncio.StreamWriter, *, kept_alive: bool
    ) -> bool:
        reply = self._reply_for(request.path)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.reset or (reply.reset_if_kept_alive and kept_alive):
            writer.transport.abort()
            return False
        body = reply.body
        if body is None:
            body = json.dumps(
                {"upstream": self.name, "method": request.method, "target": request.target}
            ).encode()
        head = [f"HTTP/1.1 {reply.status} X"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        head.append(f"Content-Length: {len(body)}")
        if request.method == "HEAD":
            body = b""
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        return (request.header("connection") or "").lower() != "close"


async def _read_request(reader: asyncio.StreamReader) -> Recorded | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = tuple(_split_header(line) for line in lines[1:] if line)
    recorded = Recorded(method=method, target=target, headers=headers, body=b"")
    if (recorded.header("transfer-encoding") or "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(recorded.header("content-length") or 0))
    return Recorded(method=method, target=target, headers=headers, body=body)


def _split_header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def start_all(upstreams: Iterable[RecordingUpstream]) -> None:
    for upstream in upstreams:
        upstream.start()


def stop_all(upstreams: Sequence[RecordingUpstream]) -> None:
    for upstream in upstreams:
        upstream.stop()

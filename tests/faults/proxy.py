"""A TCP forwarder the tests start and stop: a private broker outage.

The machine's RabbitMQ is shared, so a test never stops it. Instead the producer talks to
RabbitMQ through this proxy; ``stop()`` closes the listening port and cuts every connection
(the producer sees the broker vanish), ``start()`` on the same port brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any


class TcpProxy:
    def __init__(self, *, listen_port: int, target_port: int, target_host: str = "127.0.0.1"):
        self.listen_port = listen_port
        self.target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        future: Future[None] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        future.result(timeout=10)

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        self._run(self._start())

    def stop(self) -> None:
        """Stop listening and reset every open connection, as a broker crash would."""
        self._run(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.listen_port, reuse_address=True
            )

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            transport = writer.transport
            if transport is not None:
                transport.abort()
        self._writers.clear()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self._writers.update((client_w, upstream_w))

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    writer.transport.abort()

        await asyncio.gather(pipe(client_r, upstream_w), pipe(upstream_r, client_w))
        self._writers.difference_update((client_w, upstream_w))

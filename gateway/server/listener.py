"""The listening side's shared state: its limits, its open connections and their sweeper."""

from __future__ import annotations

import asyncio

from gateway.server.connection import ClientConnection, Dispatcher
from gateway.server.ports import ClientResolver


class Listener:
    """What every :class:`ClientConnection` shares; sweeps the slow and idle ones."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        dispatcher: Dispatcher,
        *,
        max_body: int,
        header_timeout: float,
        trusted_proxies: ClientResolver,
    ) -> None:
        self.loop = loop
        self.dispatcher = dispatcher
        self.max_body = max_body
        self.header_timeout = header_timeout
        self.trusted_proxies = trusted_proxies
        self.connections: set[ClientConnection] = set()
        self._sweeper: asyncio.TimerHandle | None = None

    def start_sweeper(self) -> None:
        interval = max(0.05, min(1.0, self.header_timeout / 4))

        def sweep() -> None:
            now = self.loop.time()
            for conn in list(self.connections):
                conn.check_timeouts(now, self.header_timeout)
            self._sweeper = self.loop.call_later(interval, sweep)

        self._sweeper = self.loop.call_later(interval, sweep)

    def close(self) -> None:
        """Stop sweeping and close every connection."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for conn in list(self.connections):
            conn.close()

"""What the client side calls without importing it: the layers above implement these.

The server is a transport: it parses and answers bytes, and reaches the rest of the gateway
only through a :class:`Dispatcher` (a parsed request to answer, an answered refusal to count
and log), a :class:`ClientResolver` (who the client is behind trusted proxies) and a
:class:`BodySink` (the upstream connection a request body streams to, and whose reading
follows the client's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gateway.server.connection import ClientConnection
    from gateway.server.request import Reject, Request


class Dispatcher(Protocol):
    def dispatch(self, conn: ClientConnection, request: Request) -> None:
        """Answer ``request``; the answer ends with ``conn.finished(request, close)``."""
        ...

    def refused(self, conn: ClientConnection, reject: Reject) -> None:
        """A request refused while parsing has been answered (counted and logged)."""
        ...


class ClientResolver(Protocol):
    def __bool__(self) -> bool: ...

    def trusts(self, peer: str) -> bool: ...

    def client(self, peer: str, forwarded_for: bytes | None) -> str: ...


class BodySink(Protocol):
    def write(self, data: bytes) -> None: ...

    def exchange_request_sent(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def abort(self) -> None: ...

"""What the client side calls without importing it: the layers above implement these.

The server is a transport: it parses and answers bytes, and reaches the rest of the gateway
only through a :class:`~gateway.server.connection.Dispatcher` (a parsed request to answer, an
answered refusal to count and log), a :class:`ClientResolver` (who the client is behind
trusted proxies) and a :class:`BodySink` (the upstream connection a request body streams to,
and whose reading follows the client's).
"""

from __future__ import annotations

from typing import Protocol

from gateway.server.request import BodySink, Reject

__all__ = ["BodySink", "ClientResolver", "Refusals"]


class Refusals(Protocol):
    def refused(self, reject: Reject) -> None:
        """A request refused while parsing has been answered (counted and logged)."""
        ...


class ClientResolver(Protocol):
    def __bool__(self) -> bool: ...

    def trusts(self, peer: str) -> bool: ...

    def client(self, peer: str, forwarded_for: bytes | None) -> str: ...

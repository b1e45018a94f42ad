"""Calling the inventory translation handler as the gateway does: a request for a SKU, an
Upstreams port that only picks a gRPC address, and the reply's parts. Shared by the gateway's
translation tests and by the ones in tests/gateway/ that run the monolith's real gRPC server."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from gateway.handlers import HandlerRequest, HandlerResponse, UpstreamReply, UpstreamUnavailable
from gateway.translation import inventory_availability

OPTIONS = {"upstreams": {"inventory": "monolith-grpc"}, "timeout": 2.0}


class FakeUpstreams:
    """The gateway's Upstreams port: only ``pick_address`` matters for gRPC."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self.picked: list[str] = []

    async def request(
        self,
        upstream: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> UpstreamReply:
        raise AssertionError("translation never proxies over HTTP")

    def pick_address(self, upstream: str) -> str:
        self.picked.append(upstream)
        if self.address is None:
            raise UpstreamUnavailable(upstream)
        return self.address


def request_for(
    sku: str, *, query: str = "", headers: Sequence[tuple[bytes, bytes]] = ()
) -> HandlerRequest:
    path = "/api/v1/inventory/" + quote(sku, safe="")
    return HandlerRequest(
        method="GET",
        path=path,
        query=query,
        path_params={"sku": quote(sku, safe="")},
        headers=headers,
        body=b"",
        identity=None,
        request_id="req-1",
    )


def call(
    upstreams: FakeUpstreams, request: HandlerRequest, options: Mapping[str, Any] = OPTIONS
) -> HandlerResponse:
    return asyncio.run(inventory_availability(request, upstreams, options))


def header(response: HandlerResponse, name: bytes) -> bytes | None:
    return next((v for k, v in response.headers if k.lower() == name), None)

"""Protocol translation against the monolith's real gRPC server, in process: for the same
request the gateway's reply is byte for byte the monolith's REST reply.

Here, outside the gateway package, because the gateway may not import the monolith (its tests
included); the gateway's own translation tests use a scripted gRPC inventory.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connections
from rest_framework.test import APIClient

from gateway.tests.inventory_calls import FakeUpstreams, call, header, request_for
from monolith.inventory.grpc.server import build_server
from monolith.inventory.interface import ReservationLine, reserve_stock, set_stock
from strangler.stages.processes import free_port


@pytest.fixture
def monolith_grpc(transactional_db: None) -> Iterator[FakeUpstreams]:
    """The monolith's gRPC adapter in-process, over a committed (transactional) test DB."""
    executor = ThreadPoolExecutor(max_workers=1)
    port = free_port()
    server = build_server("127.0.0.1", port, executor)
    server.start()
    try:
        yield FakeUpstreams(f"127.0.0.1:{port}")
    finally:
        executor.submit(connections.close_all).result(timeout=10)
        server.stop(0).wait()
        executor.shutdown(wait=True)


SAME_AS_REST = [
    ("COF-KEN-250", None, ""),
    ("COF-KEN-250", "application/json", ""),
    ("COF-KEN-250", "*/*;q=0.8", ""),
    ("COF-KEN-250", "application/json; indent=4", ""),
    ("COF-KEN-250", "text/html, application/*;q=0.9", ""),
    ("COF-KEN-250", "application/json; indent=4, */*; indent=2", ""),
    ("COF-KEN-250", "*/*; indent=2", ""),
    ("COF-KEN-250", "text/html", ""),
    ("COF-KEN-250", "", ""),
    ("COF-KEN-250", None, "format=json"),
    ("COF-KEN-250", None, "format="),
    ("COF-KEN-250", None, "format=api"),
    ("COF-KEN-250", None, "page=2&x=%20"),
    ("NOPE", None, ""),
    ("NOPE", "application/json; indent=2", ""),
    ("caf\u00e9 'x\"\u2028", None, ""),
    ("a b+c", None, ""),
]


@pytest.mark.parametrize(("sku", "accept", "query"), SAME_AS_REST)
def test_the_reply_is_byte_for_byte_the_monoliths_rest_reply(
    monolith_grpc: FakeUpstreams, sku: str, accept: str | None, query: str
) -> None:
    set_stock(sku="COF-KEN-250", on_hand=12)
    reserve_stock(order_id=1, lines=[ReservationLine(sku="COF-KEN-250", quantity=5)])
    extra: dict[str, Any] = {} if accept is None else {"HTTP_ACCEPT": accept}
    path = "/api/v1/inventory/" + quote(sku, safe="")
    headers = () if accept is None else ((b"accept", accept.encode()),)

    rest = APIClient().get(path + ("?" + query if query else ""), **extra)
    ours = call(monolith_grpc, request_for(sku, query=query, headers=headers))

    assert ours.status == rest.status_code
    assert ours.body == rest.content
    assert header(ours, b"content-type") == rest["Content-Type"].encode()

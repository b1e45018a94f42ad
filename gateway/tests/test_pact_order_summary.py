"""The order summary's consumer-driven contracts: what the composition handler needs from the
monolith (the order), from payments (the order's payments) and from notifications, stated with
Pact.

The real handler, with the gateway's real upstream client, calls Pact's mock servers; every
stated interaction must be called and every call must be stated. The pact files this writes are
the committed ones in strangler/contracts/pacts/ (PACT_WRITE=1 rewrites them), which the
monolith's, the notifications service's and the payments service's suites verify against
themselves (the monolith the payments part too: it serves it up to stage 3).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pact import Pact, match

from gateway.composition import order_summary
from gateway.handlers import HandlerRequest, HandlerResponse
from gateway.upstreams.registry import UpstreamRegistry
from strangler.contracts.pact import CUSTOMER_ID, assert_committed
from strangler.routing.model import Instance, Upstream

CONSUMER = "gateway-order-summary"
PROVIDERS = ("monolith", "payments", "notifications")
OPTIONS = {
    "upstreams": {"orders": "monolith", "payments": "payments", "notifications": "notifications"},
    "part_timeout": 5.0,
}
# The consumer's example token: each provider's verification sends a real one instead.
AUTHORIZATION = match.regex("Bearer header.payload.signature", regex=r"^Bearer \S+$")
ORDER_ID, PAYMENT_ID, NOTIFICATION_ID = 7, 31, 5
PAID = f"customer {CUSTOMER_ID} has order {ORDER_ID}, paid with payment {PAYMENT_ID}"
NOTIFIED = f"customer {CUSTOMER_ID} was notified about order {ORDER_ID}"
NO_ORDER = f"customer {CUSTOMER_ID} has no order 999"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where this module's tests write their pacts (merged); compared with the committed ones
    once all have run."""
    folder = tmp_path_factory.mktemp("pacts")
    yield folder
    for provider in PROVIDERS:
        assert_committed(folder, CONSUMER, provider)


def _pact(provider: str) -> Pact:
    return Pact(CONSUMER, provider).with_specification("V4")


def _summary_request(order_id: int) -> HandlerRequest:
    return HandlerRequest(
        method="GET",
        path=f"/api/v1/orders/{order_id}/summary",
        query="",
        path_params={"order_id": str(order_id)},
        headers=((b"authorization", b"Bearer header.payload.signature"),),
        body=b"",
        identity=None,
        request_id="req-pact",
    )


def _summarise(order_id: int, servers: Mapping[str, str]) -> HandlerResponse:
    """The real handler, through the gateway's upstream client, to the given mock servers."""

    async def run() -> HandlerResponse:
        registry = UpstreamRegistry(asyncio.get_running_loop())
        registry.configure(
            {
                name: Upstream(
                    name=name,
                    instances=(Instance(host=str(address.hostname), port=int(address.port or 80)),),
                    protocol="http",
                    balance="round_robin",
                    connect_timeout=2.0,
                    health=None,
                    eject_after=3,
                )
                for name, address in ((name, urlsplit(url)) for name, url in servers.items())
            }
        )
        registry.start_timeouts()
        return await order_summary(_summary_request(order_id), registry, OPTIONS)

    return asyncio.run(run())


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    """A page of the services' paginated lists: the composition reads ``results`` only."""
    return {"results": match.each_like(item, min=1)}


def test_a_summary_needs_the_order_its_payments_and_its_notifications(written: Path) -> None:
    monolith, payments, notifications = (_pact(provider) for provider in PROVIDERS)
    query = {"order_id": str(ORDER_ID), "page_size": "100"}
    (
        monolith.upon_receiving("a request for a paid order")
        .given(PAID)
        .with_request("GET", f"/api/v1/orders/{ORDER_ID}")
        .with_header("Authorization", AUTHORIZATION)
        .will_respond_with(200)
        .with_body(
            {
                "id": ORDER_ID,
                "status": match.str("paid"),
                "total": match.regex("12.00", regex=r"^\d+\.\d{2}$"),
                "currency": match.str("EUR"),
                "payment_id": PAYMENT_ID,
            },
            content_type="application/json",
        )
    )
    (
        payments.upon_receiving("a request for the payments of a paid order")
        .given(PAID)
        .with_request("GET", "/api/v1/payments")
        .with_query_parameters(query)
        .with_header("Authorization", AUTHORIZATION)
        .will_respond_with(200)
        .with_body(
            _page_of({"id": PAYMENT_ID, "order_id": ORDER_ID, "status": match.str("approved")}),
            content_type="application/json",
        )
    )
    (
        notifications.upon_receiving("a request for the notifications of an order")
        .given(NOTIFIED)
        .with_request("GET", "/api/v1/notifications")
        .with_query_parameters(query)
        .with_header("Authorization", AUTHORIZATION)
        .will_respond_with(200)
        .with_body(
            _page_of(
                {"id": NOTIFICATION_ID, "order_id": ORDER_ID, "kind": match.str("order_paid")}
            ),
            content_type="application/json",
        )
    )

    with (
        monolith.serve(addr="127.0.0.1") as m,
        payments.serve(addr="127.0.0.1") as p,
        notifications.serve(addr="127.0.0.1") as n,
    ):
        servers = {"monolith": str(m.url), "payments": str(p.url), "notifications": str(n.url)}
        response = _summarise(ORDER_ID, servers)

    summary = json.loads(response.body)
    assert response.status == 200, summary
    assert summary["order"]["id"] == ORDER_ID
    assert summary["payment"]["id"] == PAYMENT_ID
    assert [each["id"] for each in summary["notifications"]] == [NOTIFICATION_ID]
    assert (summary["partial"], summary["missing"]) == (False, [])
    monolith.write_file(written)
    payments.write_file(written)
    notifications.write_file(written)


def test_an_unknown_order_is_the_monoliths_404_in_the_error_shape(written: Path) -> None:
    monolith, payments, notifications = (_pact(provider) for provider in PROVIDERS)
    (
        monolith.upon_receiving("a request for an order that does not exist")
        .given(NO_ORDER)
        .with_request("GET", "/api/v1/orders/999")
        .with_header("Authorization", AUTHORIZATION)
        .will_respond_with(404)
        .with_body(
            {
                "error": {
                    "code": "order_not_found",
                    "message": match.str("No such order."),
                    "details": match.like({}),
                }
            },
            content_type="application/json",
        )
    )

    # The extras are called concurrently and cancelled once the order fails: whether they
    # reached the mock servers is a race, so payments' and notifications' mocks state nothing.
    with monolith.serve(addr="127.0.0.1", raises=False) as m:
        with (
            payments.serve(addr="127.0.0.1", raises=False) as p,
            notifications.serve(addr="127.0.0.1", raises=False) as n,
        ):
            servers = {"monolith": str(m.url), "payments": str(p.url), "notifications": str(n.url)}
            response = _summarise(999, servers)
        order_calls = [
            mismatch
            for mismatch in m.mismatches
            if str(getattr(mismatch, "path", "")).startswith("/api/v1/orders/")
        ]
    assert response.status == 404
    assert json.loads(response.body)["error"]["code"] == "order_not_found"
    assert not order_calls, order_calls
    monolith.write_file(written)

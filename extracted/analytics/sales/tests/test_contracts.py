"""The service's contracts: its committed OpenAPI document and its own copies of the event
schemas it consumes."""

from __future__ import annotations

from pathlib import Path

from extracted.analytics.sales.tests.helpers import order_cancelled, order_created, order_paid
from strangler.service.testing import (
    assert_schema_copies_accept_what_producers_publish,
    assert_service_openapi_keeps_the_contract,
)


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("analytics", tmp_path)


def test_the_own_schema_copies_accept_all_the_producer_publishes() -> None:
    assert_schema_copies_accept_what_producers_publish(
        "analytics",
        {"order.created", "order.paid", "order.cancelled"},
        (order_created(), order_paid(), order_cancelled(cause="stock_unavailable")),
    )

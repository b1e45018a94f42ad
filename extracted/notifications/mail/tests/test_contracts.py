"""The service's contracts: its committed OpenAPI document, the same notification JSON as the
monolith's, and its own copies of the event schemas it consumes."""

from __future__ import annotations

from pathlib import Path

from extracted.notifications.mail.tests.helpers import order_cancelled, order_created, order_paid
from strangler.service.testing import (
    assert_paths_are_the_monoliths,
    assert_schema_copies_accept_what_producers_publish,
    assert_service_openapi_keeps_the_contract,
)


def test_the_generated_schema_breaks_no_client_of_the_committed_one(tmp_path: Path) -> None:
    assert_service_openapi_keeps_the_contract("notifications", tmp_path)


def test_the_paths_and_json_are_the_monoliths() -> None:
    assert_paths_are_the_monoliths(
        "notifications", ("/api/v1/notifications", "/api/v1/notifications/{notification_id}")
    )


def test_the_own_schema_copies_accept_all_the_producer_publishes() -> None:
    assert_schema_copies_accept_what_producers_publish(
        "notifications",
        {"order.created", "order.paid", "order.cancelled"},
        (order_created(), order_paid(), order_cancelled(cause="stock_unavailable", was_paid=True)),
    )

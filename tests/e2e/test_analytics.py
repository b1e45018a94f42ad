"""Stage 6 end to end: a customer's order shows in the sales figures, through the gateway,
and leaves them when the paid order is cancelled; the other services are untouched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from strangler.stages.journey import Journey
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage


def _today(session: requests.Session, base: str) -> dict[str, Any]:
    day = datetime.now(UTC).date().isoformat()
    response = session.get(
        f"{base}/api/v1/analytics/sales/daily", params={"from": day, "to": day}, timeout=10
    )
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()["days"] if row["currency"] == "EUR"]
    zero = {"orders": 0, "revenue": "0.00", "cancelled_orders": 0, "cancelled_revenue": "0.00"}
    return rows[0] if rows else zero


def test_a_paid_order_is_counted_and_its_cancellation_takes_it_back(
    stages: Callable[[int], StartedStage],
) -> None:
    stage = stages(6)
    base = stage.base_url
    anonymous = requests.get(f"{base}/api/v1/analytics/sales/totals", timeout=10)
    assert anonymous.status_code == 401

    journey = Journey(base)
    facts = journey.run().facts  # register, check out, pay, e-mail: as at every stage
    session = journey.http
    total = Decimal(facts["total"])

    row = eventually(
        lambda: (r := _today(session, base))["orders"] >= 1 and r,
        "the paid order in today's figures",
        deadline=30,
    )
    assert Decimal(row["revenue"]) >= total
    products = session.get(
        f"{base}/api/v1/analytics/sales/products",
        params={"day": datetime.now(UTC).date().isoformat()},
        timeout=10,
    ).json()["products"]
    assert any(p["sku"] == facts["sku"] and p["units"] >= 2 for p in products), products

    cancelled = session.post(
        f"{base}/api/v1/orders/{facts['order_id']}/cancel", json={"reason": "e2e"}, timeout=30
    )
    assert cancelled.status_code == 200, cancelled.text
    # Other tests of the session may sell meanwhile: only the cancellation is ours to check.
    eventually(
        lambda: Decimal(_today(session, base)["cancelled_revenue"]) >= total,
        "the cancelled order moved to today's cancelled revenue",
        deadline=30,
    )

    bad = session.get(
        f"{base}/api/v1/analytics/sales/daily",
        params={"from": "2025-02-01", "to": "2025-01-01"},
        timeout=10,
    )
    assert bad.status_code == 400
    assert "from" in bad.json()["error"]["details"]

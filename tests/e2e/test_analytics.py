"""Stage 6 end to end: a customer's order is counted as placed and shows in the sales figures,
through the gateway, and leaves the sales (not the orders placed) when the paid order is
cancelled; the other services are untouched. The figures are staff's: an account identity
granted the admin role reads them, a customer is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from strangler.stages.journey import Journey
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage, post_under_the_limit


def _today(session: requests.Session, base: str, day: str) -> dict[str, Any]:
    response = session.get(
        f"{base}/api/v1/analytics/sales/daily", params={"from": day, "to": day}, timeout=10
    )
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()["days"] if row["currency"] == "EUR"]
    zero = {"orders": 0, "revenue": "0.00", "cancelled_orders": 0, "cancelled_revenue": "0.00"}
    row = rows[0] if rows else zero
    return {key: row[key] for key in zero}


def _placed(session: requests.Session, base: str, day: str) -> int:
    response = session.get(
        f"{base}/api/v1/analytics/orders/daily", params={"from": day, "to": day}, timeout=10
    )
    assert response.status_code == 200, response.text
    return sum(row["orders_placed"] for row in response.json()["days"])


def _products(session: requests.Session, base: str, day: str) -> dict[str, dict[str, Any]]:
    response = session.get(
        f"{base}/api/v1/analytics/sales/products", params={"day": day}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {
        p["sku"]: {key: p[key] for key in ("units", "revenue", "cancelled_units")}
        for p in response.json()["products"]
        if p["currency"] == "EUR"
    }


def _moved(figures: dict[str, Any], **moves: Decimal | int) -> dict[str, Any]:
    """``figures`` with each named figure moved by its amount (money kept as "0.00" text)."""
    moved = dict(figures)
    for key, amount in moves.items():
        if isinstance(amount, Decimal):
            moved[key] = str((Decimal(figures[key]) + amount).quantize(Decimal("0.01")))
        else:
            moved[key] = figures[key] + amount
    return moved


def _staff(stage: StartedStage) -> tuple[requests.Session, requests.Session]:
    """A new account's session as a customer, and again once identity made it staff."""
    base = stage.base_url
    account = {"email": f"analyst-{uuid.uuid4().hex[:10]}@example.com", "password": "pass-9-word"}
    registered = post_under_the_limit(
        f"{base}/api/v1/auth/register", {**account, "full_name": "An Analyst"}
    )
    assert registered.status_code == 201, registered.text
    sessions = []
    for grant in (False, True):
        if grant:
            stage.grant_admin(registered.json()["customer"]["id"])
        token = post_under_the_limit(f"{base}/api/v1/auth/token", account)  # a 429 waited out
        assert token.status_code == 200, token.text
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token.json()['access']}"
        sessions.append(session)
    return sessions[0], sessions[1]


def test_a_paid_order_is_counted_and_its_cancellation_takes_it_back(
    stages: Callable[[int], StartedStage],
) -> None:
    stage = stages(6)
    base = stage.base_url
    anonymous = requests.get(f"{base}/api/v1/analytics/sales/totals", timeout=10)
    assert anonymous.status_code == 401
    customer, session = _staff(stage)
    refused = customer.get(f"{base}/api/v1/analytics/sales/totals", timeout=10)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "forbidden"
    day = datetime.now(UTC).date().isoformat()
    day_before, products_before = _today(session, base, day), _products(session, base, day)
    placed_before = _placed(session, base, day)

    journey = Journey(base)
    facts = journey.run().facts  # register, check out, pay, e-mail: as at every stage
    total, sku = Decimal(facts["total"]), facts["sku"]
    sold_before = products_before.get(sku, {"units": 0, "revenue": "0.00", "cancelled_units": 0})

    # Exactly our order moves the figures: any other sale in between fails the test.
    paid_day = _moved(day_before, orders=1, revenue=total)
    eventually(
        lambda: _today(session, base, day) == paid_day,
        f"today's figures moved by the paid order exactly: {paid_day}",
        deadline=30,
    )
    paid = {**products_before, sku: _moved(sold_before, units=2, revenue=total)}
    assert _products(session, base, day) == paid
    eventually(
        lambda: _placed(session, base, day) == placed_before + 1,
        f"today's orders placed counted the order once: {placed_before + 1}",
        deadline=30,
    )

    cancelled = journey.http.post(
        f"{base}/api/v1/orders/{facts['order_id']}/cancel", json={"reason": "e2e"}, timeout=30
    )
    assert cancelled.status_code == 200, cancelled.text
    cancelled_day = _moved(day_before, cancelled_orders=1, cancelled_revenue=total)
    eventually(
        lambda: _today(session, base, day) == cancelled_day,
        f"the cancelled order moved from today's sales to its cancellations: {cancelled_day}",
        deadline=30,
    )
    taken_back = {**products_before, sku: _moved(sold_before, cancelled_units=2)}
    assert _products(session, base, day) == taken_back
    assert _placed(session, base, day) == placed_before + 1  # it was placed all the same

    bad = session.get(
        f"{base}/api/v1/analytics/sales/daily",
        params={"from": "2025-02-01", "to": "2025-01-01"},
        timeout=10,
    )
    assert bad.status_code == 422
    assert "from" in bad.json()["error"]["details"]

"""From stage 3 on, end to end: one order through the gateway is heard by three services at once.

``order.created`` leaves the monolith's outbox once; the topic exchange hands a copy to each
queue bound to it, and each consumer does its own part on its own queue: the inventory
service binds the checkout's hold to the order (``inventory.events``), notifications sends
"order received" (``notifications.events``), the monolith's catalog counts the units sold
(``monolith.events``). Every effect is found by polling with a deadline: none of them is on
the checkout's path, and none waits for another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from strangler.stages.manifest import first_stage_here
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import TIMEOUT, Shopper, database, skus

# stage 3's behaviour, on the first stage from 3 that this checkout can run (3 on main; a later
# stage's tag, which retired the monolith's inventory, runs it at its own stage)
STAGE = first_stage_here(3).number
DEADLINE = 30.0


def _aware(value: datetime | str) -> datetime:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def units_sold(base_url: str, sku: str) -> int:
    """The catalog's count for ``sku`` (0 until it sold), from the best-sellers list."""
    url: str | None = f"{base_url}/api/v1/products/best-sellers?page_size=100"
    while url:
        page = requests.get(url, timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        for product in page.json()["results"]:
            if product["sku"] == sku:
                return int(product["units_sold"])
        url = page.json()["next"]
    return 0


def test_one_order_is_heard_by_inventory_notifications_and_the_catalog(
    stages: Callable[[int], StartedStage],
) -> None:
    started = stages(STAGE)
    base = started.base_url
    sku = skus(base)[-3]
    sold_before = units_sold(base, sku)
    shopper = Shopper(base)
    shopper.add_to_cart(sku, 3)

    placed = shopper.checkout()
    assert placed.status_code == 201, placed.text
    order_id = int(placed.json()["id"])

    def hold_bound() -> bool:
        with database(started, "inventory") as db:
            confirmed = db.value(
                f"SELECT confirmed_at FROM inventory_hold WHERE order_id = {db.placeholder}",
                [order_id],
            )
        return confirmed is not None

    def order_received() -> list[dict[str, Any]]:
        return [
            n
            for n in shopper.notifications()
            if n["order_id"] == order_id and n["kind"] == "order_received"
        ]

    def counted() -> bool:
        return units_sold(base, sku) == sold_before + 3

    for effect, check in (
        ("the service's hold bound to the order", hold_bound),
        ("the 'order received' e-mail", order_received),
        ("the catalog's units sold", counted),
    ):
        eventually(check, effect, deadline=DEADLINE, poll=0.1)

    # the order was paid in the checkout: the service commits its units on order.paid; the
    # lag from the order's payment (the monolith's clock) to the commit (the service's, the
    # same host's) is the consistency window docs/stages/3-inventory.md quotes
    def committed_at() -> datetime | None:
        with database(started, "inventory") as db:
            rows = db.rows(
                f"SELECT status, updated_at FROM inventory_reservation "
                f"WHERE order_id = {db.placeholder}",
                [order_id],
            )
        if rows and all(status == "committed" for status, _ in rows):
            return max(_aware(at) for _, at in rows)
        return None

    committed = eventually(committed_at, "the order's units committed", deadline=DEADLINE)
    assert committed is not None
    paid_at = datetime.fromisoformat(placed.json()["paid_at"])
    lag = (committed - paid_at).total_seconds()
    print(f"\norder.paid written -> stock committed in the service: {lag * 1000:.0f} ms")
    assert 0 < lag < DEADLINE

    [received] = order_received()
    assert received["status"] in ("pending", "sent")
    assert str(order_id) in received["subject"]
    # heard once each: the counts do not move again
    assert units_sold(base, sku) == sold_before + 3

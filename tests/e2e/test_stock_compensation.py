"""From stage 3 on, end to end: a paid order whose stock is gone is compensated.

The scene, through the gateway: the last two units of a SKU are held by a checkout whose card
is declined (the order stays pending); the service's hold runs out and its sweeper gives the
units back; another customer buys them; then the first customer pays. The payment goes
through (the monolith no longer knows the stock), the service cannot commit the order's
units and publishes ``stock.commit_failed``; the monolith cancels the order with a reason the
customer can read, refunds the payment and the customer gets the cancellation e-mail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strangler.stages.manifest import first_stage_here
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import Shopper, database, only_left, skus, stock

# stage 3's behaviour, on the first stage from 3 that this checkout can run (3 on main; a later
# stage's tag, which retired the monolith's inventory, runs it at its own stage)
STAGE = first_stage_here(3).number


def test_a_paid_order_whose_stock_was_sold_meanwhile_ends_cancelled_and_refunded(
    stages: Callable[[int], StartedStage],
) -> None:
    started = stages(STAGE)
    base = started.base_url
    sku = skus(base)[-1]
    only_left(started, sku, 2)
    late, quick = Shopper(base), Shopper(base)

    late.add_to_cart(sku, 2)
    declined = late.checkout("tok_insufficient_funds")
    assert declined.status_code == 402, declined.text
    order_id = int(declined.json()["error"]["details"]["order_id"])
    assert stock(base, sku) == {"on_hand": 2, "reserved": 2, "available": 0}

    # the hold's time is up: the service's sweeper gives the two units back
    with database(started, "inventory") as db:
        past = (
            "CURRENT_TIMESTAMP - INTERVAL '1 hour'"
            if db.vendor == "postgresql"
            else "datetime('now', '-1 hour')"
        )
        db.connection.execute(
            f"UPDATE inventory_reservation SET expires_at = {past} "
            f"WHERE order_id = {db.placeholder}",
            [order_id],
        )
    eventually(
        lambda: stock(base, sku)["available"] == 2,
        "the sweeper released the expired hold",
        deadline=90,
        poll=0.5,
    )

    quick.add_to_cart(sku, 2)
    sold = quick.checkout()
    assert sold.status_code == 201, sold.text
    eventually(
        lambda: stock(base, sku) == {"on_hand": 0, "reserved": 0, "available": 0},
        "the other customer's two units committed",
        deadline=30,
    )

    paid = late.post("/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"})
    assert paid.status_code == 201, paid.text
    payment_id = int(paid.json()["id"])

    def compensated() -> dict[str, Any] | None:
        order = late.order(order_id)
        return order if order["status"] == "cancelled" else None

    order = eventually(compensated, "the paid order compensated", deadline=60, poll=0.25)
    assert order is not None
    assert sku in order["cancel_reason"], order["cancel_reason"]
    assert order["paid_at"] is not None and order["cancelled_at"] is not None

    payment = late.get(f"/api/v1/payments/{payment_id}").json()
    assert payment["status"] == "refunded", payment
    assert [refund["amount"] for refund in payment["refunds"]] == [payment["amount"]]

    def cancellation_mail() -> list[dict[str, Any]]:
        return [
            n
            for n in late.notifications()
            if n["order_id"] == order_id and n["kind"] == "order_cancelled"
        ]

    mails = eventually(cancellation_mail, "the cancellation e-mail listed", deadline=60)
    assert len(mails) == 1
    assert stock(base, sku) == {"on_hand": 0, "reserved": 0, "available": 0}
    assert quick.order(int(sold.json()["id"]))["status"] == "paid"

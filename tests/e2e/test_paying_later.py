"""Stage 4 end to end: a declined checkout paid later, across the payments service and back.

Through the gateway only: a checkout with a declined card leaves the order pending (the
payments service recorded the declined attempt); the customer pays the order with another card
(``POST /api/v1/payments``, routed to the payments service), which reads the order's total at
the monolith's order book, charges, and confirms the order there; the monolith marks it paid
and its stock is committed by the order.paid event. The payments list, the order and the
order summary (the gateway composes the monolith's order and the service's payment) agree.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import Shopper, skus, stock

STAGE = 4


def test_a_declined_order_paid_later_is_paid_at_the_monolith_and_listed_by_payments(
    stages: Callable[[int], StartedStage],
) -> None:
    started = stages(STAGE)
    base = started.base_url
    shopper = Shopper(base)
    sku = skus(base)[-2]
    shopper.add_to_cart(sku, 1)
    before = stock(base, sku)

    declined = shopper.checkout(card_token="tok_declined", timeout=30)
    assert declined.status_code == 402, declined.text
    order_id = int(declined.json()["error"]["details"]["order_id"])
    assert shopper.order(order_id)["status"] == "pending"

    paid = shopper.post(
        "/api/v1/payments", {"order_id": order_id, "card_token": "tok_visa"}, timeout=30
    )
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert (payment["order_id"], payment["status"]) == (order_id, "approved")

    order = shopper.order(order_id)
    assert order["status"] == "paid", order
    assert Decimal(payment["amount"]) == Decimal(order["total"])
    attempts = shopper.get(f"/api/v1/payments?order_id={order_id}").json()["results"]
    assert [a["status"] for a in attempts] == ["approved", "declined"], attempts

    summary = shopper.get(f"/api/v1/orders/{order_id}/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["partial"] is False, summary.text
    assert summary.json()["payment"]["id"] == payment["id"], (
        "the summary's payment is the service's"
    )

    eventually(
        lambda: stock(base, sku)["on_hand"] == before["on_hand"] - 1,
        "the paid order's unit committed by the order.paid event",
        deadline=30,
    )

"""Stages 0 and 1: the in-process adapter behind the orders events port calls notifications.

Retired at stage 2 with the monolith's notifications app (``Stage.retires``), as is
``monolith/orders/in_process_notifications.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from monolith.notifications import interface as notifications_interface
from monolith.orders import services
from monolith.orders.in_process_notifications import InProcessNotifications
from monolith.orders.tests.fakes import FakeInventory, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, place_checkout
from monolith.orders.wiring import EVENTS
from strangler.composition import root

pytestmark = pytest.mark.django_db


class FakeNotifications:
    """Stands in for the notifications context's interface functions."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, dict[str, Any]]] = []

    def notify_order_received(self, *, customer_id: int, order_id: int, **rest: Any) -> None:
        self.sent.append(("order_received", order_id, {"customer_id": customer_id, **rest}))

    def notify_order_paid(self, *, customer_id: int, order_id: int, **rest: Any) -> None:
        self.sent.append(("order_paid", order_id, {"customer_id": customer_id, **rest}))

    def notify_order_cancelled(self, *, customer_id: int, order_id: int, reason: str) -> None:
        self.sent.append(
            ("order_cancelled", order_id, {"customer_id": customer_id, "reason": reason})
        )

    def kinds(self, order_id: int) -> list[str]:
        return [kind for kind, oid, _ in self.sent if oid == order_id]


@pytest.fixture
def notifications(
    world: FakeInventory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeNotifications]:
    """The in-process adapter behind the port (after ``world``, which puts a fake there),
    calling a fake notifications interface."""
    fake = FakeNotifications()
    monkeypatch.setattr(
        notifications_interface, "notify_order_received", fake.notify_order_received
    )
    monkeypatch.setattr(notifications_interface, "notify_order_paid", fake.notify_order_paid)
    monkeypatch.setattr(
        notifications_interface, "notify_order_cancelled", fake.notify_order_cancelled
    )
    with root.replaced(EVENTS, InProcessNotifications()):
        yield fake


def test_a_paid_order_is_notified_when_placed_and_when_paid_with_its_lines(
    notifications: FakeNotifications,
) -> None:
    order = place_checkout(MUG=2, TEE=1).order

    assert notifications.kinds(order.pk) == ["order_received", "order_paid"]
    for _, _, sent in notifications.sent:
        assert sent["lines"] == [("MUG", "Stoneware mug", 2), ("TEE", "Organic tee", 1)]
        assert sent["customer_id"] == CUSTOMER
        assert (sent["total"], sent["currency"]) == (order.total, order.currency)


def test_a_cancelled_order_is_notified_with_its_reason(notifications: FakeNotifications) -> None:
    order = place_checkout("tok_declined", MUG=1).order

    services.order_cancel(order_id=order.pk, customer_id=CUSTOMER, reason="Changed my mind")

    assert notifications.kinds(order.pk) == ["order_received", "order_cancelled"]
    assert notifications.sent[-1] == (
        "order_cancelled",
        order.pk,
        {"customer_id": CUSTOMER, "reason": "Changed my mind"},
    )


def test_a_failed_checkout_sends_no_e_mail(
    notifications: FakeNotifications, payments: FakePayments
) -> None:
    payments.fail_with = ConnectionError("payments is down")

    with pytest.raises(ConnectionError):
        place_checkout(MUG=2)

    # the order was placed (and heard of) before the charge failed; the customer saw the
    # failed checkout, so its cancellation is not mailed
    assert [kind for kind, _, _ in notifications.sent] == ["order_received"]

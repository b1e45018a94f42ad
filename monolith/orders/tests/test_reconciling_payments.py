"""payment.approved, consumed by the monolith from stage 4 (payments a service): an approval of
an order cancelled meanwhile (a charge that reached payments after the checkout gave up on it)
is refunded, once; any other approval is the normal case and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monolith.orders import services, tasks
from monolith.orders.models import Order, OwedRefund
from monolith.orders.tests.fakes import FakeInventory, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, CommitCallbacks, make_order, place_checkout
from strangler.errors import ServiceUnavailable
from strangler.events import Event

pytestmark = pytest.mark.django_db


def approved(order_id: int, payment_id: int = 9001) -> Event:
    data = {
        "payment_id": payment_id,
        "order_id": order_id,
        "customer_id": CUSTOMER,
        "amount": "24.00",
        "currency": "EUR",
        "approved_at": "2026-12-02T10:00:00+00:00",
    }
    return Event(type="payment.approved", data=data, source="payments.charges")


def test_a_payment_approved_after_its_order_was_cancelled_is_refunded_once(
    deliver: Callable[..., list[str]],
    world: FakeInventory,
    payments: FakePayments,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: CommitCallbacks,
) -> None:
    """Stage 4: the charge reached payments after the checkout had given up on it (its answer
    lost, the order cancelled, the compensation's refund finding nothing yet)."""
    monkeypatch.setattr(payments, "fail_with", ServiceUnavailable("no answer", service="payments"))
    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)
    order = Order.objects.get()
    assert order.status == "cancelled" and payments.refunds == []
    monkeypatch.setattr(payments, "fail_with", None)
    late = payments.charge(
        order_id=order.pk, customer_id=CUSTOMER, amount=order.total, currency="EUR",
        card_token="tok_visa",
    )  # fmt: skip

    event = approved(order.pk, late.payment_id)
    with django_capture_on_commit_callbacks(execute=True):  # the refund is asked after commit
        assert deliver(event, event) == ["applied", "duplicate"]

    assert payments.refunds == [{"order_id": order.pk, "reason": services.RECONCILED}]


def test_payments_down_the_approval_is_applied_and_its_refund_stays_owed(
    deliver: Callable[..., list[str]],
    payments: FakePayments,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: CommitCallbacks,
) -> None:
    """The event is not sent back to its queue (nor dead-lettered) for want of payments: the
    debt is recorded with it, and the worker, then the sweep, ask again."""
    order = make_order("cancelled")

    def down(**kwargs: object) -> None:
        raise ServiceUnavailable("no answer", service="payments")

    monkeypatch.setattr(payments, "refund", down)
    queued: list[tuple[object, ...]] = []
    monkeypatch.setattr(tasks.refund_payment, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(approved(order.pk)) == ["applied"]

    owed = OwedRefund.objects.get(order=order)
    assert (owed.settled_at, owed.attempts, owed.reason) == (None, 1, services.RECONCILED)
    assert queued == [(order.pk, services.RECONCILED)], "the worker was not asked to try again"


def test_a_payment_approved_for_an_order_that_goes_on_is_left_alone(
    deliver: Callable[..., list[str]], world: FakeInventory, payments: FakePayments
) -> None:
    paid = place_checkout(MUG=1).order
    pending = place_checkout("tok_declined", MUG=1).order  # its payment may still come

    assert deliver(approved(paid.pk), approved(pending.pk), approved(999_999)) == ["applied"] * 3

    assert payments.refunds == []
    assert Order.objects.get(pk=paid.pk).status == "paid"

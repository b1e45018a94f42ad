"""A refund the orders context owes is recorded before payments is asked, so no outage loses it:
settled when payments answers; asked again by the sweep when the retrying task was lost or ran
out of retries; left to a person, in the admin, when payments refused it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from monolith.orders import services, tasks
from monolith.orders.models import Order, OwedRefund
from monolith.orders.ports import ChargeResult, RefundResult
from monolith.orders.tests.fakes import FakeInventory, FakePayments
from monolith.orders.tests.helpers import CUSTOMER, CommitCallbacks, make_order, place_checkout
from strangler.errors import Conflict, ServiceUnavailable

pytestmark = pytest.mark.django_db

DOWN = ServiceUnavailable("The payments service is unavailable.", service="payments")


def charged_then_lost(payments: FakePayments, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checkout's charge goes through at payments and its answer is lost."""
    real_charge = payments.charge

    def charge(**kwargs: Any) -> ChargeResult:
        real_charge(**kwargs)
        raise ServiceUnavailable("The payments service did not answer in time.", service="x")

    monkeypatch.setattr(payments, "charge", charge)


def charge(payments: FakePayments, order: Order) -> ChargeResult:
    return payments.charge(
        order_id=order.pk, customer_id=CUSTOMER, amount=order.total, currency="EUR",
        card_token="tok_visa",
    )  # fmt: skip


def test_a_compensated_checkout_records_the_refund_and_settles_it_when_payments_answers(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    charged_then_lost(payments, monkeypatch)

    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)

    owed = OwedRefund.objects.get()
    assert owed.order.status == "cancelled"
    assert owed.settled_at is not None and owed.attempts == 1
    assert (
        owed.outcome == f"refunded 12.50 EUR of payment {payments.charges[0]['result'].payment_id}"
    )


def test_a_refund_whose_task_was_lost_stays_owed_until_the_sweep_settles_it(
    world: FakeInventory, payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Payments down while the checkout compensates, and the broker too: the task that would
    ask again is never queued. The debt is in the database; the beat's sweep settles it."""
    charged_then_lost(payments, monkeypatch)
    real_refund = payments.refund
    monkeypatch.setattr(payments, "refund", lambda **kwargs: (_ for _ in ()).throw(DOWN))

    def broker_down(*args: Any) -> None:
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.refund_payment, "delay", broker_down)

    with pytest.raises(ServiceUnavailable):
        place_checkout(MUG=1)

    owed = OwedRefund.objects.get()
    assert (owed.settled_at, owed.attempts) == (None, 1)
    assert "unavailable" in owed.last_error
    assert payments.refunds == []

    monkeypatch.setattr(payments, "refund", real_refund)
    assert tasks.settle_owed_refunds.apply().get() == 1
    assert tasks.settle_owed_refunds.apply().get() == 0  # settled: nobody asks again

    owed.refresh_from_db()
    assert owed.settled_at is not None and owed.last_error == "" and owed.attempts == 2
    assert payments.refunds == [{"order_id": owed.order_id, "reason": owed.reason}]


def test_the_sweep_stops_at_the_first_refund_payments_does_not_answer(
    payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_order("cancelled"), make_order("cancelled")
    for order in (first, second):
        services.refund_owe(order_id=order.pk, reason="The payment could not be processed.")
    asked: list[int] = []

    def down(*, order_id: int, reason: str) -> None:
        asked.append(order_id)
        raise DOWN

    monkeypatch.setattr(payments, "refund", down)

    assert services.refunds_settle_owed() == 0

    assert asked == [first.pk]  # payments is down: the next sweep asks again, not this one
    assert [o.attempts for o in OwedRefund.objects.order_by("order_id")] == [1, 0]


def test_a_refund_payments_refused_is_left_to_a_person_who_asks_again_from_the_admin(
    payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = make_order("cancelled")
    charge(payments, order)
    services.refund_owe(order_id=order.pk, reason="The payment could not be processed.")
    real_refund = payments.refund

    def refused(**kwargs: Any) -> None:
        raise Conflict("The payments service refused the request (409 refund_in_progress).")

    monkeypatch.setattr(payments, "refund", refused)
    with pytest.raises(Conflict):
        services.refund_settle(order_id=order.pk)
    assert services.refunds_settle_owed() == 0  # refused: the sweep leaves it to a person

    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    staff = Client()
    staff.force_login(user)
    listed = staff.get("/admin/orders/owedrefund/?state=refused")
    assert listed.status_code == 200
    assert b"refused by payments" in listed.content and b"refund_in_progress" in listed.content

    monkeypatch.setattr(payments, "refund", real_refund)
    owed = OwedRefund.objects.get()
    response = staff.post(
        "/admin/orders/owedrefund/",
        {"action": "ask_again", "_selected_action": [owed.pk]},
        follow=True,
    )

    assert b"1 refund(s) settled" in response.content
    owed.refresh_from_db()
    assert owed.settled_at is not None and owed.refused_at is None
    assert payments.refunds == [{"order_id": order.pk, "reason": owed.reason}]
    assert staff.get("/admin/orders/owedrefund/?state=settled").status_code == 200


def test_a_payment_approved_after_the_refund_was_settled_is_owed_again(
    payments: FakePayments, django_capture_on_commit_callbacks: CommitCallbacks
) -> None:
    """The compensation's refund found nothing charged; the charge landed after it."""
    order = make_order("cancelled")
    services.refund_owe(order_id=order.pk, reason="The payment could not be processed.")
    assert services.refund_settle(order_id=order.pk)
    assert OwedRefund.objects.get().outcome == "nothing was charged"
    charge(payments, order)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.order_reconcile_payment(order_id=order.pk)

    owed = OwedRefund.objects.get()
    assert owed.settled_at is not None and owed.outcome.startswith("refunded 25.00 EUR")
    assert payments.refunds == [{"order_id": order.pk, "reason": services.RECONCILED}]


def test_an_answer_to_an_earlier_ask_does_not_settle_a_debt_owed_again_meanwhile(
    payments: FakePayments, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = make_order("cancelled")
    services.refund_owe(order_id=order.pk, reason="The payment could not be processed.")

    def answered_after_a_new_approval(**kwargs: Any) -> RefundResult | None:
        services.refund_owe(order_id=order.pk, reason=services.RECONCILED)
        return None

    monkeypatch.setattr(payments, "refund", answered_after_a_new_approval)

    assert not services.refund_settle(order_id=order.pk)
    owed = OwedRefund.objects.get()
    assert (owed.settled_at, owed.reason) == (None, services.RECONCILED)

"""charge / refund / pay an order, and the payment an order has, through the services and
selectors (fakes behind fraud and the order book)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from extracted.payments.charges import selectors, services
from extracted.payments.charges.errors import InvalidAmount, InvalidCardToken, OrderNotPayable
from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.ports import PayableOrder
from extracted.payments.charges.results import PaymentResult
from extracted.payments.charges.services import payment_create_for_order
from extracted.payments.charges.tests.fakes import FakeFraud, FakeOrderBook, SpyCardProcessor
from strangler.errors import ServiceUnavailable

pytestmark = pytest.mark.django_db


def _charge(
    token: str = "tok_visa", *, order_id: int = 1, customer_id: int = 42, amount: str = "25.00"
) -> PaymentResult:
    return services.payment_charge(
        order_id=order_id,
        customer_id=customer_id,
        amount=Decimal(amount),
        currency="EUR",
        card_token=token,
    )


def test_an_approved_charge_is_recorded_with_the_processor_reference(
    processor: SpyCardProcessor,
) -> None:
    result = _charge()

    assert result.status == "approved"
    assert result.amount == Decimal("25.00")
    assert result.decline_reasons == ()
    payment = Payment.objects.get()
    assert payment.pk == result.payment_id
    assert payment.processor_reference.startswith("fake_ch_")
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert processor.charges == ["order-1-attempt-1"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_a_bank_decline_is_recorded_and_returned_not_raised(token: str, reason: str) -> None:
    result = _charge(token)

    assert result.status == "declined"
    assert result.decline_reasons == (reason,)
    assert Payment.objects.get().decline_reasons == [reason]


def test_a_fraud_decline_is_recorded_without_calling_the_processor(
    processor: SpyCardProcessor, fraud: FakeFraud
) -> None:
    fraud.reasons = ("amount_over_limit", "too_many_attempts")

    result = _charge(amount="9000.00")

    assert result.status == "declined"
    assert result.decline_reasons == ("amount_over_limit", "too_many_attempts")
    assert processor.charges == []
    assert Payment.objects.get().processor_reference == ""


def test_fraud_is_asked_about_each_attempt_with_payments_own_counts(
    fraud: FakeFraud, settings: pytest.FixtureRequest
) -> None:
    _charge("tok_declined", order_id=1)
    _charge(order_id=2, customer_id=7)  # another customer's
    _charge(order_id=3)
    Payment.objects.filter(order_id=3).update(
        created_at=timezone.now() - settings.FRAUD_WINDOW  # type: ignore[attr-defined]
    )

    _charge(order_id=1)

    last = fraud.attempts[-1]
    assert (last.reference, last.customer_id, last.order_id) == ("order-1-attempt-2", 42, 1)
    assert (last.amount, last.currency) == (Decimal("25.00"), "EUR")
    # the customer's attempts within the window (order 3's has left it), the order's declines
    assert (last.attempts_in_window, last.order_declines) == (1, 1)


def test_fraud_down_records_nothing_and_charges_nothing(
    processor: SpyCardProcessor, fraud: FakeFraud
) -> None:
    fraud.unavailable = True

    with pytest.raises(ServiceUnavailable):
        _charge()

    assert Payment.objects.count() == 0
    assert processor.charges == []


def test_an_unknown_card_token_is_rejected_and_records_nothing() -> None:
    with pytest.raises(InvalidCardToken) as caught:
        _charge("tok_mastercard")

    assert caught.value.http_status == 422
    assert caught.value.code == "unknown_card_token"
    assert Payment.objects.count() == 0


def test_a_non_positive_amount_is_rejected_and_records_nothing() -> None:
    with pytest.raises(InvalidAmount):
        _charge(amount="0.00")
    assert Payment.objects.count() == 0


def test_refund_refunds_the_approved_payment_once() -> None:
    approved = _charge()

    first = services.payment_refund(order_id=1, reason="customer cancelled")
    second = services.payment_refund(order_id=1, reason="customer cancelled again")

    assert first is not None and second is not None
    assert first.status == second.status == "refunded"
    assert first.payment_id == second.payment_id == approved.payment_id
    refund = Refund.objects.get()
    assert refund.amount == Decimal("25.00")
    assert refund.reason == "customer cancelled"
    assert refund.processor_reference.startswith("fake_re_")
    assert Payment.objects.get().status == "refunded"


def test_refund_of_an_order_without_an_approved_payment_returns_none() -> None:
    _charge("tok_declined")

    assert services.payment_refund(order_id=1, reason="x") is None
    assert services.payment_refund(order_id=999, reason="x") is None
    assert Refund.objects.count() == 0


def _payment_for_order(order_id: int) -> PaymentResult | None:
    payment = selectors.payment_for_order(order_id=order_id)
    return selectors.payment_to_result(payment) if payment is not None else None


def test_the_payment_for_an_order_prefers_the_approved_payment_over_later_declines() -> None:
    assert _payment_for_order(1) is None
    _charge("tok_declined")
    declined = _payment_for_order(1)
    assert declined is not None and declined.status == "declined"

    approved = _charge("tok_visa")
    Payment.objects.create(
        order_id=1,
        customer_id=42,
        amount=Decimal("25.00"),
        status="declined",
        created_at=timezone.now() + timedelta(seconds=1),
    )

    assert _payment_for_order(1) == approved


def test_a_second_approval_of_the_same_order_is_refused_and_recorded_once() -> None:
    _charge()

    with pytest.raises(OrderNotPayable):
        _charge()

    assert Payment.objects.count() == 1


def test_pay_for_order_accepts_an_order_book_by_parameter() -> None:
    book = FakeOrderBook()
    book.add(order_id=5, customer_id=42, total=Decimal("12.34"))

    result = payment_create_for_order(
        customer_id=42, order_id=5, card_token="tok_visa", order_book=book
    )
    assert (result.status, result.amount) == ("approved", Decimal("12.34"))
    assert book.confirmed == [(5, result.payment_id)]


class _OrderThatExpiresMidway:
    """Payable when asked, gone when confirmed: the reservation ran out in between."""

    def get_payable_order(self, *, order_id: int, customer_id: int) -> PayableOrder:
        return PayableOrder(
            order_id=order_id,
            customer_id=customer_id,
            status="pending",
            total=Decimal("30.00"),
            currency="EUR",
        )

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        raise OrderNotPayable("The stock reservation has expired.", order_id=order_id)


def test_an_approved_payment_the_order_can_no_longer_take_is_refunded_at_once() -> None:
    with pytest.raises(OrderNotPayable):
        payment_create_for_order(
            customer_id=42, order_id=8, card_token="tok_visa", order_book=_OrderThatExpiresMidway()
        )

    payment = Payment.objects.get(order_id=8)
    assert payment.status == Payment.Status.REFUNDED
    assert Refund.objects.filter(payment=payment).count() == 1


def test_paying_an_order_that_is_not_pending_is_refused_before_any_charge(
    order_book: FakeOrderBook, processor: SpyCardProcessor
) -> None:
    order_book.add(order_id=43, customer_id=42, status="cancelled")

    with pytest.raises(OrderNotPayable) as refused:
        payment_create_for_order(customer_id=42, order_id=43, card_token="tok_visa")

    assert refused.value.message == "Order 43 is cancelled; it cannot be paid."  # the monolith's
    assert refused.value.details == {"order_id": 43, "status": "cancelled"}
    assert processor.charges == []
    assert Payment.objects.count() == 0

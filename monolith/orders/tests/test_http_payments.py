"""HttpPayments against a real HTTP server on loopback, and a checkout with payments (or the
fraud service behind it) down."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from monolith.orders import services, tasks
from monolith.orders.errors import OrderNotPayable, UnknownCardToken
from monolith.orders.http_payments import HttpPayments, PaymentsRefused
from monolith.orders.models import Order
from monolith.orders.ports import ChargeResult, RefundResult
from monolith.orders.tests.fakes import FakeCatalog, FakeCustomers, FakeInventory, FakeOrderEvents
from monolith.orders.tests.helpers import CUSTOMER, counts
from monolith.orders.wiring import PAYMENTS
from strangler.composition import resolve, root
from strangler.errors import ServiceUnavailable, error_body
from strangler.http import ServiceClient
from strangler.http.testing import Reply, closed_port_url, scripted_server

TIMEOUT = 0.5
MARGIN = 1.5
CARD = {"card_token": "tok_visa", "brand": "visa", "last4": "4242"}
APPROVED = {
    "payment_id": 7,
    "order_id": 41,
    "status": "approved",
    "amount": "25.00",
    "currency": "EUR",
    "decline_reasons": [],
}
DECLINED = {**APPROVED, "payment_id": 8, "status": "declined", "decline_reasons": ["card_declined"]}
REFUNDED = {
    "payment_id": 7,
    "order_id": 41,
    "status": "refunded",
    "amount": "25.00",
    "currency": "EUR",
}


@pytest.fixture(autouse=True)
def queued_refunds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """The refunds the compensation leaves to the worker (``orders.refund_payment``) when payments
    did not answer them, recorded instead of run: the scripted payments would fail them again."""
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks.refund_payment, "delay", lambda *args: queued.append(args))
    return queued


def error(code: str, message: str = "Refused.", **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def charge(payments: HttpPayments, card_token: str = "tok_visa") -> ChargeResult:
    return payments.charge(
        order_id=41,
        customer_id=1001,
        amount=Decimal("25.00"),
        currency="EUR",
        card_token=card_token,
    )


def relayed(body: dict[str, Any]) -> Reply:
    """Payments' 503 about fraud, naming it as every service does
    (``strangler.errors.domain_error_response``)."""
    return Reply(503, body, headers=(("Unavailable-Service", "fraud"),))


def fraud_down() -> dict[str, Any]:
    """The body the monolith answered with fraud unreachable when it asked fraud itself (stage
    4's first half: the kit's client, named fraud), which the payments service now answers."""
    fraud = ServiceClient("fraud", closed_port_url(), timeout=TIMEOUT)
    with pytest.raises(ServiceUnavailable) as raised:
        fraud.post("/internal/v1/assessments", json={}, idempotency_key="order-41-attempt-1")
    return error_body(raised.value.code, raised.value.message, raised.value.details)


# --- card tokens


def test_a_known_card_token_is_accepted() -> None:
    with scripted_server(Reply(200, CARD)) as server:
        assert HttpPayments(server.url, TIMEOUT).accepts_card_token("tok_visa") is True
    assert [(r.method, r.path) for r in server.received] == [
        ("GET", "/internal/v1/card-tokens/tok_visa")
    ]


def test_an_unknown_card_token_is_refused_and_quoted_in_the_path() -> None:
    with scripted_server(Reply(404, error("unknown_card_token"))) as server:
        assert HttpPayments(server.url, TIMEOUT).accepts_card_token("tok/../x") is False
    assert server.received[0].path == "/internal/v1/card-tokens/tok%2F..%2Fx"


def test_a_404_that_is_not_the_card_s_is_a_refusal_not_an_unknown_card() -> None:
    """A missing route (the wrong URL, an older service) must not make every card unknown."""
    with (
        scripted_server(Reply(404, error("not_found"))) as server,
        pytest.raises(PaymentsRefused) as raised,
    ):
        HttpPayments(server.url, TIMEOUT).accepts_card_token("tok_visa")
    assert raised.value.details == {"status": 404, "code": "not_found"}


# --- charges


def test_an_approved_charge_posts_the_order_with_its_checkout_key() -> None:
    with scripted_server(Reply(201, APPROVED)) as server:
        result = charge(HttpPayments(server.url, TIMEOUT))
    assert result == ChargeResult(payment_id=7, approved=True, decline_reasons=())
    [post] = server.received
    assert (post.method, post.path) == ("POST", "/internal/v1/charges")
    assert post.headers["idempotency-key"] == "order-41-checkout"
    assert post.body == {
        "order_id": 41,
        "customer_id": 1001,
        "amount": "25.00",
        "currency": "EUR",
        "card_token": "tok_visa",
    }


def test_the_amount_goes_out_with_two_decimals() -> None:
    with scripted_server(Reply(201, APPROVED)) as server:
        HttpPayments(server.url, TIMEOUT).charge(
            order_id=41, customer_id=1001, amount=Decimal("25"), currency="EUR", card_token="t"
        )
    assert server.received[0].body["amount"] == "25.00"


def test_a_decline_is_an_answer_not_an_error() -> None:
    with scripted_server(Reply(201, DECLINED)) as server:
        result = charge(HttpPayments(server.url, TIMEOUT), "tok_declined")
    assert result == ChargeResult(payment_id=8, approved=False, decline_reasons=("card_declined",))


@pytest.mark.parametrize("status", [502, 504])
def test_a_charge_answered_by_a_failing_proxy_is_sent_again_with_the_same_key(status: int) -> None:
    with scripted_server(Reply(status), Reply(201, APPROVED)) as server:
        assert charge(HttpPayments(server.url, TIMEOUT)).approved
    assert [(r.method, r.headers["idempotency-key"]) for r in server.received] == [
        ("POST", "order-41-checkout"),
        ("POST", "order-41-checkout"),
    ]


def test_an_unknown_card_token_at_charge_is_orders_own_422_with_the_service_s_body() -> None:
    body = error("unknown_card_token", "Unknown card token.", card_token=["Unknown card token."])
    with scripted_server(Reply(422, body)) as server, pytest.raises(UnknownCardToken) as raised:
        charge(HttpPayments(server.url, TIMEOUT), "tok_nope")
    assert (raised.value.http_status, raised.value.message) == (422, "Unknown card token.")
    assert raised.value.details == {"card_token": ["Unknown card token."]}


def test_an_order_paid_already_is_orders_own_409() -> None:
    body = error("order_not_payable", "The order is already paid.", order_id=41)
    with scripted_server(Reply(409, body)) as server, pytest.raises(OrderNotPayable) as raised:
        charge(HttpPayments(server.url, TIMEOUT))
    assert (raised.value.http_status, raised.value.details) == (409, {"order_id": 41})


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, error("validation_error", amount=["Not a valid string."]), "validation_error"),
        (422, error("invalid_amount", amount="0.00"), "invalid_amount"),
        (422, error("unprocessable", idempotency_key="order-41-checkout"), "unprocessable"),
        (404, None, ""),
        (201, {"payment_id": "7", "status": "approved", "decline_reasons": []}, ""),
        (201, {**APPROVED, "status": "pending"}, ""),
    ],
    ids=["bad input", "bad amount", "key reused", "no body", "id not a number", "odd status"],
)
def test_any_other_answer_to_a_charge_is_a_clear_refusal(
    status: int, body: dict[str, Any] | None, code: str
) -> None:
    with (
        scripted_server(Reply(status, body)) as server,
        pytest.raises(PaymentsRefused) as raised,
    ):
        charge(HttpPayments(server.url, TIMEOUT))
    assert raised.value.details == {"status": status, "code": code}
    assert (raised.value.code, raised.value.http_status) == ("payments_refused", 409)


def test_fraud_down_is_raised_as_fraud_s_own_503_and_the_charge_is_not_sent_again() -> None:
    """Each repeat would ask fraud again: fraud's breaker would open after fewer checkouts than
    its limit, and the customer would read a different answer than at stage 4's first half."""
    body = fraud_down()
    with (
        scripted_server(relayed(body)) as server,
        pytest.raises(ServiceUnavailable) as raised,
    ):
        charge(HttpPayments(server.url, TIMEOUT))
    assert error_body(raised.value.code, raised.value.message, raised.value.details) == body
    assert body["error"]["details"] == {"service": "fraud"}
    assert len(server.received) == 1


def test_fraud_s_open_circuit_reaches_the_caller_with_its_retry_after() -> None:
    message = "The fraud service is failing; calls to it resume in about 7 s."
    body = error("service_unavailable", message, service="fraud", circuit="open", retry_after=7)
    with (
        scripted_server(relayed(body)) as server,
        pytest.raises(ServiceUnavailable) as raised,
    ):
        charge(HttpPayments(server.url, TIMEOUT))
    assert raised.value.message == message
    assert raised.value.details == {"service": "fraud", "circuit": "open", "retry_after": 7}


def test_the_details_are_passed_on_whatever_their_keys() -> None:
    details = {"service": "fraud", "message": "m", "kind": "k"}
    body = {
        "error": {"code": "service_unavailable", "message": "Fraud is down.", "details": details}
    }
    with (
        scripted_server(relayed(body)) as server,
        pytest.raises(ServiceUnavailable) as raised,
    ):
        charge(HttpPayments(server.url, TIMEOUT))
    assert raised.value.message == "Fraud is down."
    assert raised.value.details == details


def test_fraud_down_does_not_open_the_circuit_to_payments() -> None:
    """Payments answered: tripping its breaker would refuse card checks and refunds too."""
    with scripted_server(relayed(fraud_down()), Reply(201, APPROVED)) as server:
        payments = HttpPayments(server.url, TIMEOUT)
        with override_settings(PAYMENTS_BREAKER_FAILURES=1):
            with pytest.raises(ServiceUnavailable):
                charge(payments)
            assert charge(payments).approved
    assert len(server.received) == 2


@pytest.mark.parametrize(
    "body",
    [None, error("data_moved", "Moved.", context="payments", owner="payments"), error("x")],
    ids=["no body", "its own outage", "not naming a service"],
)
def test_a_503_that_names_no_other_service_is_payments_own(body: dict[str, Any] | None) -> None:
    with (
        scripted_server(Reply(503, body)) as server,
        pytest.raises(ServiceUnavailable) as raised,
    ):
        charge(HttpPayments(server.url, TIMEOUT))
    assert raised.value.details == {"service": "payments", "status": 503}


def test_payments_unreachable_raises_service_unavailable_naming_it() -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        charge(HttpPayments(closed_port_url(), TIMEOUT))
    assert raised.value.details == {"service": "payments"}
    assert "could not be reached" in raised.value.message


def test_a_charge_that_times_out_is_not_sent_again_within_the_caller_s_budget() -> None:
    with scripted_server(Reply(201, hang=True)) as server:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as raised:
            charge(HttpPayments(server.url, TIMEOUT))
        elapsed = time.monotonic() - started
    assert "did not answer in time" in raised.value.message
    assert elapsed < TIMEOUT + MARGIN
    assert len(server.received) == 1


def test_once_the_circuit_is_open_calls_are_refused_without_calling_payments() -> None:
    with scripted_server(Reply(500, error("internal_error"))) as server:
        payments = HttpPayments(server.url, TIMEOUT)
        # read on every failure, not when the adapter was built
        with override_settings(PAYMENTS_BREAKER_FAILURES=1):
            with pytest.raises(ServiceUnavailable) as failed:
                charge(payments)
            with pytest.raises(ServiceUnavailable) as refused:
                payments.accepts_card_token("tok_visa")
    assert "answered 500" in failed.value.message
    assert refused.value.details == {"service": "payments", "circuit": "open", "retry_after": 10}
    assert len(server.received) == 1


# --- refunds


def test_a_refund_puts_the_reason_and_returns_what_was_refunded() -> None:
    with scripted_server(Reply(200, REFUNDED)) as server:
        result = HttpPayments(server.url, TIMEOUT).refund(order_id=41, reason="Changed my mind.")
    assert result == RefundResult(payment_id=7, amount=Decimal("25.00"), currency="EUR")
    [put] = server.received
    assert (put.method, put.path, put.body) == (
        "PUT",
        "/internal/v1/refunds/41",
        {"reason": "Changed my mind."},
    )


def test_an_order_without_an_approved_payment_has_nothing_to_refund() -> None:
    with scripted_server(Reply(404, error("payment_not_found", order_id=44))) as server:
        assert HttpPayments(server.url, TIMEOUT).refund(order_id=44, reason="r") is None


def test_a_refund_is_retried_after_a_503_and_the_repeat_refunds_once() -> None:
    with scripted_server(Reply(503), Reply(200, REFUNDED)) as server:
        assert HttpPayments(server.url, TIMEOUT).refund(order_id=41, reason="r") is not None
    assert [r.method for r in server.received] == ["PUT", "PUT"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, error("not_found")),
        (400, error("validation_error")),
        (200, {**REFUNDED, "amount": "lots"}),
        (200, {**REFUNDED, "amount": 25}),
    ],
    ids=["no route", "bad input", "amount not a number", "amount not a string"],
)
def test_any_other_answer_to_a_refund_is_a_clear_refusal(status: int, body: dict[str, Any]) -> None:
    with scripted_server(Reply(status, body)) as server, pytest.raises(PaymentsRefused):
        HttpPayments(server.url, TIMEOUT).refund(order_id=41, reason="r")


# --- configuration


@override_settings(PAYMENTS_SERVICE_URL="http://payments.test:9", PAYMENTS_TIMEOUT=0.75)
def test_the_settings_give_the_url_and_the_timeout() -> None:
    client = HttpPayments().client
    assert (client.base_url, client.timeout) == ("http://payments.test:9", (0.75, 0.75))


def test_the_defaults_are_the_contract_s() -> None:
    payments = HttpPayments()
    assert payments.client.base_url == settings.PAYMENTS_SERVICE_URL
    assert payments.client.timeout == (settings.PAYMENTS_TIMEOUT, settings.PAYMENTS_TIMEOUT)
    with override_settings(PAYMENTS_BREAKER_FAILURES=2, PAYMENTS_BREAKER_RESET_SECONDS=3.0):
        assert (payments.client.breaker.failures, payments.client.breaker.reset_seconds) == (2, 3.0)


def test_the_stage_setting_names_an_adapter_the_check_accepts() -> None:
    path = "monolith.orders.http_payments.HttpPayments"
    with override_settings(ORDERS_PAYMENTS_ADAPTER=path):
        assert resolve(PAYMENTS, settings) is HttpPayments


# --- a checkout through HttpPayments


@pytest.fixture
def shop(
    inventory: FakeInventory,
    catalog: FakeCatalog,
    customers: FakeCustomers,
    order_events: FakeOrderEvents,
) -> FakeInventory:
    """The other contexts faked but payments, reached over HTTP in each test."""
    inventory.on_hand.update({"MUG": 10})
    return inventory


def _checkout(api: APIClient, url: str) -> tuple[int, dict[str, Any], float]:
    services.cart_item_add(customer_id=CUSTOMER, sku="MUG", quantity=2)
    with root.replaced(PAYMENTS, HttpPayments(url, TIMEOUT)):
        started = time.monotonic()
        response = api.post("/api/v1/checkout", {"card_token": "tok_visa"}, format="json")
        elapsed = time.monotonic() - started
    return response.status_code, response.json(), elapsed


def _cancelled_for_checkout_failed(events: FakeOrderEvents) -> Order:
    [order] = Order.objects.all()
    assert order.status == "cancelled"
    assert events.kinds(order.pk) == ["order_created", "order_cancelled"]
    assert events.details("order_cancelled", order.pk)["cause"] == "checkout_failed"
    return order


@pytest.mark.django_db
def test_payments_unreachable_at_checkout_answers_503_before_any_order(
    shop: FakeInventory, api: APIClient
) -> None:
    """The card check comes first: with payments unreachable nothing is placed at all."""
    before = counts()
    status, body, elapsed = _checkout(api, closed_port_url())
    assert status == 503
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["details"] == {"service": "payments"}
    assert elapsed < TIMEOUT + MARGIN
    assert counts() == {**before, "carts": 1, "cart_items": 1}
    assert shop.calls == []


@pytest.mark.django_db
def test_payments_failing_the_charge_cancels_the_order_and_keeps_the_cart(
    shop: FakeInventory,
    order_events: FakeOrderEvents,
    api: APIClient,
    queued_refunds: list[tuple[int, str]],
) -> None:
    with scripted_server(Reply(200, CARD), Reply(500, error("internal_error"))) as server:
        status, body, _ = _checkout(api, server.url)
    assert status == 503
    assert body["error"]["details"] == {"service": "payments", "status": 500}
    order = _cancelled_for_checkout_failed(order_events)
    assert shop.reservations[order.pk].state == "released"
    assert counts()["cart_items"] == 1
    # the charge's outcome is unknown: the refund is asked for, and payments failing it too,
    # left to the worker, which asks again until payments answers
    assert [(r.method, r.path) for r in server.received][1:] == [
        ("POST", "/internal/v1/charges"),
        ("PUT", f"/internal/v1/refunds/{order.pk}"),
    ]
    assert queued_refunds == [(order.pk, "The payment could not be processed.")]


@pytest.mark.django_db
def test_payments_not_answering_the_charge_answers_503_within_its_timeout(
    shop: FakeInventory, order_events: FakeOrderEvents, api: APIClient
) -> None:
    with scripted_server(Reply(200, CARD), Reply(201, hang=True)) as server:
        status, body, elapsed = _checkout(api, server.url)
    assert status == 503
    assert "did not answer in time" in body["error"]["message"]
    assert elapsed < TIMEOUT + MARGIN
    _cancelled_for_checkout_failed(order_events)
    assert counts()["cart_items"] == 1


@pytest.mark.django_db
def test_fraud_down_gives_the_customer_the_body_the_monolith_gave_when_it_asked_fraud(
    shop: FakeInventory, order_events: FakeOrderEvents, api: APIClient
) -> None:
    expected = fraud_down()
    with scripted_server(Reply(200, CARD), relayed(expected)) as server:
        status, body, _ = _checkout(api, server.url)
    assert (status, body) == (503, expected)
    _cancelled_for_checkout_failed(order_events)
    assert counts()["cart_items"] == 1
    assert [r.method for r in server.received] == ["GET", "POST", "PUT"]  # POST sent once

"""HttpOrderBook against a real HTTP server on loopback: the monolith's internal order book,
its refusals turned into the port's errors, and a payment with the monolith down."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from extracted.payments.charges.errors import OrderNotFound, OrderNotPayable
from extracted.payments.charges.http_order_book import HttpOrderBook, OrderBookRefused
from extracted.payments.charges.models import Payment
from extracted.payments.charges.ports import PayableOrder
from extracted.payments.charges.services import payment_create_for_order
from extracted.payments.charges.tests.fakes import SpyCardProcessor
from extracted.payments.charges.wiring import ORDER_BOOK
from strangler.composition import resolve, root
from strangler.errors import ServiceUnavailable
from strangler.http.testing import Reply, closed_port_url, scripted_server

TIMEOUT = 0.5
ORDER = {
    "order_id": 41,
    "customer_id": 1001,
    "status": "pending",
    "total": "25.00",
    "currency": "EUR",
}


def refusal(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": "Refused.", "details": {"order_id": 41}}}


def test_an_order_is_read_for_its_customer() -> None:
    with scripted_server(Reply(200, ORDER)) as server:
        order = HttpOrderBook(server.url, TIMEOUT).get_payable_order(order_id=41, customer_id=1001)

    assert order == PayableOrder(
        order_id=41, customer_id=1001, status="pending", total=Decimal("25.00"), currency="EUR"
    )
    [get] = server.received
    assert (get.method, get.path) == ("GET", "/internal/v1/orders/41?customer_id=1001")


def test_an_order_that_is_not_pending_is_returned_as_it_is() -> None:
    """Payments decides what it pays (only pending orders): the book only reads."""
    with scripted_server(Reply(200, {**ORDER, "status": "cancelled"})) as server:
        order = HttpOrderBook(server.url, TIMEOUT).get_payable_order(order_id=41, customer_id=1001)

    assert order.status == "cancelled"


def test_an_unknown_order_is_order_not_found() -> None:
    with (
        scripted_server(Reply(404, refusal("order_not_found"))) as server,
        pytest.raises(OrderNotFound) as raised,
    ):
        HttpOrderBook(server.url, TIMEOUT).get_payable_order(order_id=41, customer_id=1001)

    assert (raised.value.http_status, raised.value.message) == (404, "Refused.")
    assert raised.value.details == {"order_id": 41}  # the monolith's, as they were


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, refusal("validation_error"), "validation_error"),
        (404, {"error": {"code": "not_found", "message": "No route.", "details": {}}}, "not_found"),
        (200, {**ORDER, "total": "lots"}, ""),
        (200, {**ORDER, "total": "NaN"}, ""),
        (200, {**ORDER, "order_id": "41"}, ""),
        (200, {**ORDER, "order_id": 42}, ""),
        (200, "<html>a proxy's page</html>", ""),
    ],
)
def test_an_answer_that_is_not_the_order_is_refused(status: int, body: object, code: str) -> None:
    with scripted_server(Reply(status, body)) as server, pytest.raises(OrderBookRefused) as raised:
        HttpOrderBook(server.url, TIMEOUT).get_payable_order(order_id=41, customer_id=1001)

    assert raised.value.details == {"status": status, "code": code}


def test_the_monolith_s_refusal_is_passed_on_whatever_its_details_are_named() -> None:
    details = {"order_id": 41, "status": "cancelled", "message": "a detail named message"}
    body = {
        "error": {
            "code": "order_not_payable",
            "message": "Order 41 is cancelled.",
            "details": details,
        }
    }
    with scripted_server(Reply(409, body)) as server, pytest.raises(OrderNotPayable) as raised:
        HttpOrderBook(server.url, TIMEOUT).confirm_payment(order_id=41, payment_id=7)
    assert (raised.value.message, raised.value.details) == ("Order 41 is cancelled.", details)


def test_a_payment_is_confirmed_with_a_put_of_its_id() -> None:
    confirmed = {"order_id": 41, "status": "paid", "payment_id": 7}
    with scripted_server(Reply(200, confirmed)) as server:
        HttpOrderBook(server.url, TIMEOUT).confirm_payment(order_id=41, payment_id=7)

    [put] = server.received
    assert (put.method, put.path, put.body) == (
        "PUT",
        "/internal/v1/orders/41/payment",
        {"payment_id": 7},
    )


def test_a_confirmation_the_order_refuses_is_order_not_payable() -> None:
    with (
        scripted_server(Reply(409, refusal("order_not_payable"))) as server,
        pytest.raises(OrderNotPayable) as raised,
    ):
        HttpOrderBook(server.url, TIMEOUT).confirm_payment(order_id=41, payment_id=8)

    assert raised.value.http_status == 409


def test_a_confirmation_of_an_unknown_order_is_order_not_found() -> None:
    with (
        scripted_server(Reply(404, refusal("order_not_found"))) as server,
        pytest.raises(OrderNotFound),
    ):
        HttpOrderBook(server.url, TIMEOUT).confirm_payment(order_id=41, payment_id=8)


def test_a_failed_read_is_retried() -> None:
    replies = [Reply(503, {"error": {"code": "service_unavailable"}}), Reply(200, ORDER)]
    with scripted_server(*replies) as server:
        order = HttpOrderBook(server.url, TIMEOUT).get_payable_order(order_id=41, customer_id=1001)

    assert order.order_id == 41
    assert [r.method for r in server.received] == ["GET", "GET"]


def test_the_monolith_unreachable_raises_service_unavailable_naming_it() -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        HttpOrderBook(closed_port_url(), TIMEOUT).get_payable_order(order_id=41, customer_id=1)

    assert raised.value.details == {"service": "monolith"}


@override_settings(MONOLITH_SERVICE_URL="http://monolith.test:9", MONOLITH_TIMEOUT=0.75)
def test_the_settings_give_the_url_and_the_timeout() -> None:
    client = HttpOrderBook().client

    assert (client.base_url, client.timeout) == ("http://monolith.test:9", (0.75, 0.75))


def test_the_default_setting_names_an_adapter_the_check_accepts() -> None:
    assert resolve(ORDER_BOOK, settings) is HttpOrderBook


@pytest.mark.django_db
def test_the_monolith_down_records_nothing_and_charges_nothing(
    processor: SpyCardProcessor,
) -> None:
    book = HttpOrderBook(closed_port_url(), TIMEOUT)

    with root.replaced(ORDER_BOOK, book), pytest.raises(ServiceUnavailable):
        payment_create_for_order(customer_id=1001, order_id=41, card_token="tok_visa")

    assert not Payment.objects.exists()
    assert processor.charges == []


@pytest.mark.django_db
def test_an_approved_payment_the_monolith_cannot_confirm_is_refunded_at_once() -> None:
    """Read, then the monolith fails twice to confirm: the money goes back."""
    replies = [Reply(200, ORDER), Reply(500, {"error": {}})]
    with (
        scripted_server(*replies) as server,
        root.replaced(ORDER_BOOK, HttpOrderBook(server.url, TIMEOUT)),
        pytest.raises(ServiceUnavailable),
    ):
        payment_create_for_order(customer_id=1001, order_id=41, card_token="tok_visa")

    assert Payment.objects.get().status == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_a_confirmation_whose_answer_was_lost_is_asked_again_and_the_payment_kept() -> None:
    """The first PUT times out (the monolith may have marked the order paid); the second,
    idempotent, answers: the order is paid, and so the payment stands."""
    confirmed = {"order_id": 41, "status": "paid", "payment_id": 7}
    replies = [Reply(200, ORDER), Reply(200, hang=True), Reply(200, confirmed)]
    with (
        scripted_server(*replies) as server,
        root.replaced(ORDER_BOOK, HttpOrderBook(server.url, TIMEOUT)),
    ):
        result = payment_create_for_order(customer_id=1001, order_id=41, card_token="tok_visa")

    assert result.status == "approved"
    assert Payment.objects.get().status == Payment.Status.APPROVED
    assert [r.method for r in server.received] == ["GET", "PUT", "PUT"]
    assert [r.body for r in server.received[1:]] == [{"payment_id": result.payment_id}] * 2

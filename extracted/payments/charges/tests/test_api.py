"""POST/GET payments over HTTP, with fakes standing in for the monolith's order book and for
fraud: the public JSON is the monolith's, byte for byte."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.payments.charges import services
from extracted.payments.charges.errors import OrderNotPayable
from extracted.payments.charges.http_order_book import HttpOrderBook
from extracted.payments.charges.models import Payment
from extracted.payments.charges.tests.conftest import CUSTOMER_ID, OTHER_CUSTOMER_ID
from extracted.payments.charges.tests.fakes import FakeFraud, FakeOrderBook, SpyCardProcessor
from extracted.payments.charges.wiring import ORDER_BOOK
from strangler.composition import root
from strangler.http.testing import Reply, scripted_server
from strangler.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments"
# The monolith's internal order book's answer for customer 42's order 41 (contract B).
MONOLITH_ORDER = {
    "order_id": 41,
    "customer_id": 42,
    "status": "pending",
    "total": "25.00",
    "currency": "EUR",
}


def _pay(client: APIClient, order_id: int = 1, token: str = "tok_visa", key: str | None = None):  # type: ignore[no-untyped-def]
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, {"order_id": order_id, "card_token": token}, format="json", **headers)


def test_paying_a_pending_order_approves_and_confirms_it(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID, total=Decimal("49.90"))

    response = _pay(api)

    assert response.status_code == 201, response.json()
    body = response.json()
    payment = Payment.objects.get()
    assert body == {
        "id": payment.pk,
        "order_id": 1,
        "status": "approved",
        "amount": "49.90",
        "currency": "EUR",
        "decline_reasons": [],
        "created_at": body["created_at"],
        "refunds": [],
    }
    assert payment.customer_id == CUSTOMER_ID
    assert order_book.confirmed == [(1, payment.pk)]
    assert order_book.orders[1].status == "paid"


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_a_bank_decline_answers_402_and_keeps_the_attempt(
    api: APIClient, order_book: FakeOrderBook, token: str, reason: str
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    response = _pay(api, token=token)

    assert response.status_code == 402
    payment = Payment.objects.get()
    assert response.json()["error"] == {
        "code": "payment_declined",
        "message": "The payment was declined.",
        "details": {"payment_id": payment.pk, "order_id": 1, "reasons": [reason]},
    }
    assert payment.status == "declined"
    assert order_book.confirmed == []
    assert order_book.orders[1].status == "pending"


@pytest.mark.django_db(transaction=True)
def test_the_declined_attempt_is_committed_although_the_answer_is_402(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    response = _pay(api, token="tok_declined", key="k-commit")

    assert response.status_code == 402
    # No test transaction wraps this test: the row is there only if it was committed.
    assert Payment.objects.filter(status="declined", order_id=1).count() == 1


def test_a_fraud_decline_answers_402_without_the_processor(
    api: APIClient, order_book: FakeOrderBook, processor: SpyCardProcessor, fraud: FakeFraud
) -> None:
    fraud.reasons = ("amount_over_limit",)
    order_book.add(order_id=1, customer_id=CUSTOMER_ID, total=Decimal("9000.00"))

    response = _pay(api)

    assert response.status_code == 402
    assert response.json()["error"]["details"]["reasons"] == ["amount_over_limit"]
    assert processor.charges == []
    assert Payment.objects.get().status == "declined"
    assert order_book.orders[1].status == "pending"


def test_fraud_is_asked_with_the_order_s_declines_so_far(
    api: APIClient, order_book: FakeOrderBook, processor: SpyCardProcessor, fraud: FakeFraud
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    for _ in range(3):
        assert _pay(api, token="tok_insufficient_funds").status_code == 402
    fraud.reasons = ("order_attempts_exceeded",)

    response = _pay(api, token="tok_visa")

    assert response.status_code == 402
    assert response.json()["error"]["details"]["reasons"] == ["order_attempts_exceeded"]
    assert [(a.reference, a.order_declines) for a in fraud.attempts] == [
        ("order-1-attempt-1", 0),
        ("order-1-attempt-2", 1),
        ("order-1-attempt-3", 2),
        ("order-1-attempt-4", 3),
    ]
    assert len(processor.charges) == 3
    assert Payment.objects.filter(order_id=1).count() == 4


def test_fraud_down_is_503_and_records_nothing(
    api: APIClient, order_book: FakeOrderBook, processor: SpyCardProcessor, fraud: FakeFraud
) -> None:
    fraud.unavailable = True
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    response = _pay(api, key="k-down")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.json()["error"]["details"]["service"] == "fraud"
    assert Payment.objects.count() == 0
    assert processor.charges == []
    assert IdempotencyRecord.objects.count() == 0  # the key is released for a retry


def test_paying_someone_elses_order_is_404_and_writes_nothing(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=OTHER_CUSTOMER_ID)

    response = _pay(api)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"
    assert Payment.objects.count() == 0
    assert order_book.orders[1].status == "pending"


def test_paying_an_unknown_order_is_404_and_writes_nothing(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    response = _pay(api, order_id=999)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"
    assert Payment.objects.count() == 0


def test_paying_a_paid_order_is_409_and_writes_nothing(
    api: APIClient, order_book: FakeOrderBook, processor: SpyCardProcessor
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID, status="paid")

    response = _pay(api)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_payable"
    assert Payment.objects.count() == 0
    assert processor.charges == []


def test_an_order_cancelled_meanwhile_gets_its_approved_payment_refunded(
    api: APIClient, order_book: FakeOrderBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    def cancelled_meanwhile(self: FakeOrderBook, *, order_id: int, payment_id: int) -> None:
        raise OrderNotPayable("Order is cancelled.", order_id=order_id)

    monkeypatch.setattr(FakeOrderBook, "confirm_payment", cancelled_meanwhile)

    response = _pay(api)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_payable"
    payment = Payment.objects.get()  # the charge stays on record, and is given back
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunds.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "status", "code"),
    [
        ({"order_id": 1, "card_token": "tok_mastercard"}, "card_token", 422, "unknown_card_token"),
        ({"order_id": 1}, "card_token", 400, "validation_error"),
        ({"order_id": "one", "card_token": "tok_visa"}, "order_id", 400, "validation_error"),
        ({"order_id": 0, "card_token": "tok_visa"}, "order_id", 400, "validation_error"),
        ({"order_id": 1, "card_token": "tok_visa", "amount": 1}, "amount", 400, "validation_error"),
    ],
)
def test_invalid_input_is_refused_and_writes_nothing(
    api: APIClient,
    order_book: FakeOrderBook,
    body: dict[str, object],
    field: str,
    status: int,
    code: str,
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-invalid")

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["details"]
    assert Payment.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0  # the key is released for a corrected retry


def test_the_same_key_and_body_twice_replays_the_payment(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    first = _pay(api, key="k-1")
    second = _pay(api, key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Payment.objects.count() == 1
    assert len(order_book.confirmed) == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    order_book.add(order_id=2, customer_id=CUSTOMER_ID)
    assert _pay(api, order_id=1, key="k-1").status_code == 201

    response = _pay(api, order_id=2, key="k-1")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unprocessable"
    assert Payment.objects.count() == 1
    assert order_book.orders[2].status == "pending"


def test_a_declined_request_repeated_with_its_key_replays_the_402(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    first = _pay(api, token="tok_declined", key="k-decline")
    second = _pay(api, token="tok_declined", key="k-decline")

    assert first.status_code == second.status_code == 402
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_keys_are_per_customer(
    api: APIClient, other_api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    order_book.add(order_id=2, customer_id=OTHER_CUSTOMER_ID)

    assert _pay(api, order_id=1, key="same").status_code == 201
    response = _pay(other_api, order_id=2, key="same")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Payment.objects.count() == 2


def test_listing_shows_only_my_payments_newest_first_paginated(
    api: APIClient, other_api: APIClient, order_book: FakeOrderBook
) -> None:
    for order_id in (1, 2, 3):
        order_book.add(order_id=order_id, customer_id=CUSTOMER_ID)
    order_book.add(order_id=4, customer_id=OTHER_CUSTOMER_ID)
    _pay(api, order_id=1, token="tok_declined")
    _pay(api, order_id=2)
    _pay(api, order_id=3)
    _pay(other_api, order_id=4)

    response = api.get(URL, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [p["order_id"] for p in body["results"]] == [3, 2]
    assert body["next"] is not None
    assert api.get(URL, {"page_size": 2, "page": 2}).json()["results"][0]["order_id"] == 1


def test_listing_filtered_by_order_shows_only_that_orders_attempts(
    api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    order_book.add(order_id=2, customer_id=CUSTOMER_ID)
    _pay(api, order_id=1, token="tok_declined")
    _pay(api, order_id=1)
    _pay(api, order_id=2)

    body = api.get(URL, {"order_id": 1}).json()

    assert body["count"] == 2
    assert {p["order_id"] for p in body["results"]} == {1}


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9" * 30])
def test_a_bad_order_filter_is_400(api: APIClient, bad: str) -> None:
    response = api.get(URL, {"order_id": bad})

    assert response.status_code == 400
    assert "order_id" in response.json()["error"]["details"]


def test_reading_one_payment_shows_its_refunds(api: APIClient, order_book: FakeOrderBook) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    payment_id = _pay(api).json()["id"]
    services.payment_refund(order_id=1, reason="cancelled")

    response = api.get(f"{URL}/{payment_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "refunded"
    assert [(r["amount"], r["reason"]) for r in body["refunds"]] == [("25.00", "cancelled")]


def test_reading_someone_elses_payment_is_404(
    api: APIClient, other_api: APIClient, order_book: FakeOrderBook
) -> None:
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)
    payment_id = _pay(api).json()["id"]

    response = other_api.get(f"{URL}/{payment_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "payment_not_found"
    assert api.get(f"{URL}/999999").json()["error"]["code"] == "payment_not_found"


def test_anonymous_callers_are_401(order_book: FakeOrderBook) -> None:
    client = APIClient()
    order_book.add(order_id=1, customer_id=CUSTOMER_ID)

    assert _pay(client).status_code == 401
    assert client.get(URL).status_code == 401
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("reply", "status", "error"),
    [
        (
            Reply(200, {**MONOLITH_ORDER, "status": "cancelled"}),
            409,
            {
                "code": "order_not_payable",
                "message": "Order 41 is cancelled; it cannot be paid.",
                "details": {"order_id": 41, "status": "cancelled"},
            },
        ),
        (
            Reply(
                404,
                {
                    "error": {
                        "code": "order_not_found",
                        "message": "Order 41 was not found.",
                        "details": {"order_id": 41},
                    }
                },
            ),
            404,
            {
                "code": "order_not_found",
                "message": "Order 41 was not found.",
                "details": {"order_id": 41},
            },
        ),
    ],
    ids=["cancelled", "not-found"],
)
def test_the_monolith_s_refusals_reach_the_customer_as_the_monolith_answered_them(
    api: APIClient, reply: Reply, status: int, error: dict[str, Any]
) -> None:
    """Over the HTTP order book the public body is the one the in-process book gave."""
    with (
        scripted_server(reply) as monolith,
        root.replaced(ORDER_BOOK, HttpOrderBook(monolith.url, 0.5)),
    ):
        response = _pay(api, order_id=41)

    assert (response.status_code, response.json()) == (status, {"error": error})
    assert Payment.objects.count() == 0

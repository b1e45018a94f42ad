"""The internal API the monolith's orders call (contract A): a card token's card, a charge
(idempotent by its key) and an order's refund, each status with its body; bad input is a 4xx
in the kit's error shape and records nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.payments.charges import services
from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.tests.fakes import FakeFraud, SpyCardProcessor
from strangler.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

CHARGES = "/internal/v1/charges"
KEY = "order-41-checkout"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def body(**changes: Any) -> dict[str, Any]:
    return {
        "order_id": 41,
        "customer_id": 1001,
        "amount": "25.00",
        "currency": "EUR",
        "card_token": "tok_visa",
        **changes,
    }


def charge(client: APIClient, data: Any, key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(CHARGES, data, format="json", headers=headers)


def refund(client: APIClient, order_id: int | str, data: Any = None) -> Any:
    data = {"reason": "The payment could not be processed."} if data is None else data
    return client.put(f"/internal/v1/refunds/{order_id}", data, format="json")


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_known_card_token_is_described(client: APIClient) -> None:
    response = client.get("/internal/v1/card-tokens/tok_visa")

    assert response.status_code == 200
    assert response.json() == {"card_token": "tok_visa", "brand": "visa", "last4": "4242"}


def test_an_unknown_card_token_is_404(client: APIClient) -> None:
    response = client.get("/internal/v1/card-tokens/tok_unknown")

    assert error(response) == (404, "unknown_card_token")


def test_a_charge_is_approved_201(client: APIClient) -> None:
    response = charge(client, body())

    assert response.status_code == 201
    payment = Payment.objects.get()
    assert response.json() == {
        "payment_id": payment.pk,
        "order_id": 41,
        "status": "approved",
        "amount": "25.00",
        "currency": "EUR",
        "decline_reasons": [],
    }
    assert (payment.customer_id, payment.amount) == (1001, Decimal("25.00"))
    assert "Idempotent-Replayed" not in response


def test_a_decline_is_also_201_with_its_reasons(client: APIClient) -> None:
    response = charge(client, body(card_token="tok_declined"))

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["decline_reasons"]) == (
        "declined",
        ["card_declined"],
    )
    assert Payment.objects.get().status == "declined"


def test_a_fraud_decline_is_201_declined_without_the_processor(
    client: APIClient, fraud: FakeFraud, processor: SpyCardProcessor
) -> None:
    fraud.reasons = ("too_many_attempts",)

    response = charge(client, body())

    assert response.json()["decline_reasons"] == ["too_many_attempts"]
    assert processor.charges == []


def test_the_same_key_and_body_again_replays_the_first_answer(
    client: APIClient, processor: SpyCardProcessor
) -> None:
    first = charge(client, body())

    again = charge(client, body())

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert len(processor.charges) == 1


def test_the_same_key_with_another_body_is_422(client: APIClient) -> None:
    charge(client, body())

    response = charge(client, body(amount="26.00"))

    assert error(response) == (422, "unprocessable")
    assert Payment.objects.count() == 1


def test_a_charge_of_an_order_already_paid_is_409(client: APIClient) -> None:
    charge(client, body())

    response = charge(client, body(), key="order-41-checkout-again")

    assert error(response) == (409, "order_not_payable")
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"card_token": "tok_unknown"}, "unknown_card_token"),
        ({"amount": "0.00"}, "invalid_amount"),
        ({"amount": "-5"}, "invalid_amount"),
    ],
)
def test_an_unknown_token_or_a_non_positive_amount_is_422_and_records_nothing(
    client: APIClient, changes: dict[str, str], code: str
) -> None:
    response = charge(client, body(**changes))

    assert error(response) == (422, code)
    assert Payment.objects.count() == 0


def test_fraud_down_is_503_naming_it_and_records_nothing(
    client: APIClient, fraud: FakeFraud, processor: SpyCardProcessor
) -> None:
    fraud.unavailable = True

    response = charge(client, body())

    assert error(response) == (503, "service_unavailable")
    assert response.json()["error"]["details"]["service"] == "fraud"
    # orders' client reads it: fraud failed, not payments (no retry, payments' breaker intact)
    assert response["Unavailable-Service"] == "fraud"
    assert Payment.objects.count() == 0
    assert processor.charges == []
    assert IdempotencyRecord.objects.count() == 0  # released: orders may retry with the key


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_id": 0}, "order_id"),
        ({"order_id": "41"}, "order_id"),
        ({"customer_id": True}, "customer_id"),
        ({"customer_id": 2**63}, "customer_id"),
        ({"amount": 25}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "twelve"}, "amount"),
        ({"amount": "1" * 20}, "amount"),
        ({"amount": "-"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"amount": "025.00"}, "amount"),
        ({"amount": "1e2"}, "amount"),
        ({"amount": " 25.00"}, "amount"),
        ({"amount": "\u0662\u0665.00"}, "amount"),  # Arabic-Indic digits
        ({"currency": "eur"}, "currency"),
        ({"card_token": 7}, "card_token"),
        ({"card_token": "t" * 65}, "card_token"),
        ({"status": "approved"}, "status"),
    ],
)
def test_a_bad_field_is_400_naming_it_and_records_nothing(
    client: APIClient, changes: dict[str, Any], field: str
) -> None:
    response = charge(client, body(**changes))

    assert error(response) == (400, "validation_error")
    assert field in response.json()["error"]["details"]
    assert Payment.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("data", [[], "order-41", None, {}])
def test_a_body_that_is_not_a_charge_is_400(client: APIClient, data: Any) -> None:
    assert error(charge(client, data)) == (400, "validation_error")


def test_a_charge_without_a_key_is_charged_once(client: APIClient) -> None:
    assert charge(client, body(), key=None).status_code == 201
    assert IdempotencyRecord.objects.count() == 0


def test_a_refund_refunds_the_approved_payment_once(client: APIClient) -> None:
    payment_id = charge(client, body()).json()["payment_id"]

    first = refund(client, 41)
    again = refund(client, 41)

    assert first.status_code == again.status_code == 200
    assert (
        first.json()
        == again.json()
        == {
            "payment_id": payment_id,
            "order_id": 41,
            "status": "refunded",
            "amount": "25.00",
            "currency": "EUR",
        }
    )
    assert Refund.objects.get().reason == "The payment could not be processed."


@pytest.mark.parametrize("order_id", [44, 2**63])
def test_a_refund_of_an_order_without_an_approved_payment_is_404(
    client: APIClient, order_id: int
) -> None:
    services.payment_charge(
        order_id=44,
        customer_id=1001,
        amount=Decimal("25.00"),
        currency="EUR",
        card_token="tok_declined",
    )

    response = refund(client, order_id)

    assert error(response) == (404, "payment_not_found")
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("data", [{}, {"reason": 7}, {"reason": "x", "amount": "1.00"}])
def test_a_bad_refund_body_is_400_and_refunds_nothing(client: APIClient, data: Any) -> None:
    charge(client, body())

    response = refund(client, 41, data)

    assert error(response) == (400, "validation_error")
    assert Payment.objects.get().status == "approved"


def test_the_internal_api_needs_no_token_and_the_public_one_does(client: APIClient) -> None:
    assert client.get("/internal/v1/card-tokens/tok_visa").status_code == 200
    assert client.get("/api/v1/payments").status_code == 401


@pytest.mark.parametrize(
    ("amount", "answered"), [("25", "25.00"), ("0.5", "0.50"), ("7.1", "7.10")]
)
def test_an_amount_is_answered_with_two_decimals(
    client: APIClient, amount: str, answered: str
) -> None:
    response = charge(client, body(amount=amount))

    assert response.json()["amount"] == answered
    assert refund(client, 41).json()["amount"] == answered

"""``POST /internal/v1/assessments``: an attempt assessed once per Idempotency-Key, approve
or decline both a 201; bad input a 400 in the error shape that records nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from extracted.fraud.screening.models import Assessment
from extracted.fraud.screening.services import assessment_create
from extracted.fraud.screening.tests.helpers import URL, body, post, rows
from strangler.idempotency.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

FIELDS = {
    "id", "attempt_key", "customer_id", "order_id", "amount", "currency", "order_declines",
    "attempts_in_window", "decision", "reasons", "created_at",
}  # fmt: skip


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_an_ordinary_attempt_is_approved_201(client: APIClient) -> None:
    response = post(client, body())

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    answer = response.json()
    assert set(answer) == FIELDS
    assert answer["id"] == Assessment.objects.get().pk
    assert datetime.fromisoformat(answer["created_at"]).utcoffset() is not None
    assert {k: v for k, v in answer.items() if k not in ("id", "created_at")} == {
        "attempt_key": "order-41-attempt-1",
        "customer_id": 42,
        "order_id": 41,
        "amount": "25.00",
        "currency": "EUR",
        "order_declines": 0,
        "attempts_in_window": 0,
        "decision": "approve",
        "reasons": [],
    }


def test_a_decline_is_an_answer_201_with_its_reasons(client: APIClient) -> None:
    response = post(client, body(amount="9000.00", order_declines=3))

    assert response.status_code == 201
    assert response.json()["decision"] == "decline"
    assert response.json()["reasons"] == ["amount_over_limit", "order_attempts_exceeded"]
    assert Assessment.objects.get().decision == "decline"


@pytest.mark.parametrize(
    ("amount", "answered"),
    [("12.3", "12.30"), ("25", "25.00"), ("0.01", "0.01"), ("0.5", "0.50"),
     ("9999999999.99", "9999999999.99")],
)  # fmt: skip
def test_an_amount_is_answered_with_two_decimals(
    client: APIClient, amount: str, answered: str
) -> None:
    assert post(client, body(amount=amount)).json()["amount"] == answered


def test_the_sixth_attempt_within_the_window_is_declined(client: APIClient) -> None:
    for n in range(1, 6):
        post(client, body(), key=f"order-41-attempt-{n}")

    sixth = post(client, body(), key="order-41-attempt-6").json()

    assert (sixth["decision"], sixth["reasons"], sixth["attempts_in_window"]) == (
        "decline",
        ["too_many_attempts"],
        5,
    )


@pytest.mark.parametrize("changes", [{}, {"amount": "9000.00"}])
def test_the_same_key_and_body_again_replays_the_answer_and_records_nothing(
    client: APIClient, changes: dict[str, str]
) -> None:
    first = post(client, body(**changes))

    again = post(client, body(**changes))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert rows() == (1, 1)


def test_a_replay_is_not_another_attempt_in_the_window(client: APIClient) -> None:
    post(client, body())
    post(client, body())

    second = post(client, body(order_id=42), key="order-42-attempt-1")

    assert second.json()["attempts_in_window"] == 1


def test_the_same_key_with_another_body_is_422(client: APIClient) -> None:
    first = post(client, body())

    response = post(client, body(amount="26.00"))

    assert error(response) == (422, "unprocessable")
    assert response.json()["error"]["details"] == {"idempotency_key": "order-41-attempt-1"}
    assert rows() == (1, 1)
    assert Assessment.objects.get().pk == first.json()["id"]


def test_an_attempt_assessed_without_its_idempotency_record_gets_its_assessment_back(
    client: APIClient,
) -> None:
    """The key names one assessment for good, even when the decorator has no record of it."""
    assessed = assessment_create(
        attempt_key="order-41-attempt-1",
        customer_id=42,
        order_id=41,
        amount=Decimal("25.00"),
        currency="EUR",
        order_declines=0,
    ).assessment

    same = post(client, body())
    other = post(client, body(order_declines=1), key="order-41-attempt-1 ")

    assert same.status_code == 201
    assert same["Idempotent-Replayed"] == "true"
    assert same.json()["id"] == assessed.pk
    assert same.json()["attempts_in_window"] == 0
    assert error(other) == (422, "unprocessable")
    assert Assessment.objects.count() == 1


def test_without_an_idempotency_key_it_is_400_and_records_nothing(client: APIClient) -> None:
    response = post(client, body(), key=None)

    assert error(response) == (400, "idempotency_key_required")
    assert "Idempotency-Key header is required" in response.json()["error"]["message"]
    assert rows() == (0, 0)


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "order-41\x7f"])
def test_an_invalid_idempotency_key_is_400(client: APIClient, key: str) -> None:
    response = post(client, body(), key=key)

    assert error(response) == (400, "invalid_idempotency_key")
    assert rows() == (0, 0)


def test_the_key_is_kept_as_the_attempt_key(client: APIClient) -> None:
    key = "k" * 255

    response = post(client, body(), key=key)

    assert response.status_code == 201
    assert Assessment.objects.get().attempt_key == key == response.json()["attempt_key"]


HOSTILE_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"customer_id": 0}, "customer_id"),
    ({"customer_id": -1}, "customer_id"),
    ({"customer_id": "42"}, "customer_id"),
    ({"customer_id": 42.0}, "customer_id"),
    ({"customer_id": True}, "customer_id"),
    ({"customer_id": None}, "customer_id"),
    ({"customer_id": 2**63}, "customer_id"),
    ({"customer_id": 10**40}, "customer_id"),
    ({"order_id": 0}, "order_id"),
    ({"order_id": "41"}, "order_id"),
    ({"order_id": [41]}, "order_id"),
    ({"amount": 25}, "amount"),
    ({"amount": 25.5}, "amount"),
    ({"amount": "0.00"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"amount": "12345678901.00"}, "amount"),
    ({"amount": "1" * 2000}, "amount"),
    ({"amount": "1e999999999"}, "amount"),
    ({"amount": "1e-999999999"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"amount": "-Infinity"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"amount": "twelve"}, "amount"),
    ({"amount": " 25.00"}, "amount"),
    ({"amount": "+25.00"}, "amount"),
    ({"amount": "025.00"}, "amount"),
    ({"amount": "25."}, "amount"),
    ({"amount": ".50"}, "amount"),
    ({"amount": "1E+2"}, "amount"),
    ({"amount": "2_5.00"}, "amount"),
    ({"amount": "\u0662\u0665.00"}, "amount"),  # Arabic-Indic digits
    ({"amount": None}, "amount"),
    ({"amount": {"value": "1.00"}}, "amount"),
    ({"currency": "eur"}, "currency"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "EU"}, "currency"),
    ({"currency": "E1R"}, "currency"),
    ({"currency": 978}, "currency"),
    ({"currency": ""}, "currency"),
    ({"currency": "ÉUR"}, "currency"),
    ({"order_declines": -1}, "order_declines"),
    ({"order_declines": "0"}, "order_declines"),
    ({"order_declines": 1.5}, "order_declines"),
    ({"order_declines": 2**31}, "order_declines"),
    ({"order_declines": False}, "order_declines"),
    ({"decision": "approve"}, "decision"),
    ({"attempts_in_window": 0}, "attempts_in_window"),
]


@pytest.mark.parametrize(("changes", "field"), HOSTILE_FIELDS)
def test_a_bad_field_is_400_naming_it_and_records_nothing(
    client: APIClient, changes: dict[str, Any], field: str
) -> None:
    response = post(client, body(**changes))

    assert error(response) == (400, "validation_error")
    assert field in response.json()["error"]["details"]
    assert rows() == (0, 0)


@pytest.mark.parametrize(
    "field", ["customer_id", "order_id", "amount", "currency", "order_declines"]
)
def test_a_missing_field_is_400_naming_it(client: APIClient, field: str) -> None:
    data = body()
    del data[field]

    response = post(client, data)

    assert error(response) == (400, "validation_error")
    assert field in response.json()["error"]["details"]
    assert rows() == (0, 0)


@pytest.mark.parametrize("data", [[], [body()], "order-41", 41, None, True, {}])
def test_a_body_that_is_not_an_attempt_is_400(client: APIClient, data: Any) -> None:
    response = post(client, data)

    assert error(response) == (400, "validation_error")
    assert rows() == (0, 0)


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        '{"customer_id": 42,',
        "[" * 100_000 + "]" * 100_000,
        '{"customer_id": ' + "9" * 5000 + "}",
        '{"amount": NaN}',
    ],
    ids=["broken", "truncated", "nested", "huge-integer", "nan"],
)
def test_a_body_that_is_not_json_is_400_malformed_request(client: APIClient, raw: str) -> None:
    response = client.post(
        URL, raw, content_type="application/json", headers={"Idempotency-Key": "order-41-x"}
    )

    assert error(response) == (400, "malformed_request")
    assert rows() == (0, 0)


def test_an_empty_body_is_400(client: APIClient) -> None:
    response = client.post(
        URL, "", content_type="application/json", headers={"Idempotency-Key": "order-41-x"}
    )

    assert error(response) == (400, "validation_error")
    assert rows() == (0, 0)


def test_a_form_body_is_415(client: APIClient) -> None:
    response = client.post(URL, body(), headers={"Idempotency-Key": "order-41-attempt-1"})

    assert error(response) == (415, "unsupported_media_type")
    assert rows() == (0, 0)


def test_a_corrected_request_may_reuse_the_key_of_a_refused_one(client: APIClient) -> None:
    refused = post(client, body(currency="eur"))

    accepted = post(client, body())

    assert (refused.status_code, accepted.status_code) == (400, 201)
    assert rows() == (1, 1)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post_is_allowed(client: APIClient, method: str) -> None:
    response = getattr(client, method)(URL)

    assert error(response) == (405, "method_not_allowed")


def test_there_is_no_public_api(client: APIClient) -> None:
    response = client.get("/api/v1/assessments")

    assert error(response) == (404, "not_found")


def test_the_idempotency_record_is_kept_for_the_attempt(client: APIClient) -> None:
    post(client, body())

    record = IdempotencyRecord.objects.get()

    assert (record.key, record.state) == ("order-41-attempt-1", "completed")
    assert record.status_code == 201
    assert record.scope.startswith("fraud.assessments:")

"""HttpFraud against a real HTTP server on loopback, and a charge with fraud down."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from extracted.payments.charges import services
from extracted.payments.charges.http_fraud import FraudRefused, HttpFraud
from extracted.payments.charges.models import Payment
from extracted.payments.charges.ports import ChargeAttempt
from extracted.payments.charges.results import PaymentResult
from extracted.payments.charges.tests.fakes import SpyCardProcessor
from extracted.payments.charges.wiring import FRAUD
from strangler.composition import resolve, root
from strangler.errors import ServiceUnavailable
from strangler.http.testing import Reply, closed_port_url, scripted_server

TIMEOUT = 0.5
ATTEMPT = ChargeAttempt(
    reference="order-41-attempt-2",
    customer_id=42,
    order_id=41,
    amount=Decimal("25.00"),
    currency="EUR",
    attempts_in_window=1,
    order_declines=1,
)


def assessment(decision: str = "approve", reasons: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "id": 7,
        "attempt_key": ATTEMPT.reference,
        "customer_id": 42,
        "order_id": 41,
        "amount": "25.00",
        "currency": "EUR",
        "order_declines": 1,
        "attempts_in_window": 1,
        "decision": decision,
        "reasons": list(reasons),
        "created_at": "2026-12-02T10:00:00Z",
    }


def test_an_attempt_is_posted_with_its_reference_as_the_idempotency_key() -> None:
    with scripted_server(Reply(201, assessment())) as server:
        assert HttpFraud(server.url, TIMEOUT).assess(ATTEMPT) == ()
    [post] = server.received
    assert (post.method, post.path) == ("POST", "/internal/v1/assessments")
    assert post.headers["idempotency-key"] == "order-41-attempt-2"
    # the service counts the customer's window itself: payments sends what only it knows
    assert post.body == {
        "customer_id": 42,
        "order_id": 41,
        "amount": "25.00",
        "currency": "EUR",
        "order_declines": 1,
    }


def test_a_decline_returns_the_service_s_reasons() -> None:
    body = assessment("decline", ("amount_over_limit", "too_many_attempts"))
    with scripted_server(Reply(201, body)) as server:
        reasons = HttpFraud(server.url, TIMEOUT).assess(ATTEMPT)
    assert reasons == ("amount_over_limit", "too_many_attempts")


def test_a_failed_post_is_retried_with_the_same_key_and_answered_once() -> None:
    """The key makes the POST safe to repeat: a 503 is retried like a PUT would be."""
    replies = [Reply(503, {"error": {"code": "service_unavailable"}}), Reply(201, assessment())]
    with scripted_server(*replies) as server:
        assert HttpFraud(server.url, TIMEOUT).assess(ATTEMPT) == ()
    assert [r.method for r in server.received] == ["POST", "POST"]
    assert {r.headers["idempotency-key"] for r in server.received} == {"order-41-attempt-2"}


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (
            400,
            {"error": {"code": "validation_error", "message": "no", "details": {}}},
            "validation_error",
        ),
        (
            422,
            {"error": {"code": "unprocessable", "message": "key reused", "details": {}}},
            "unprocessable",
        ),
        (201, {"decision": "maybe", "reasons": []}, ""),
        (200, "<html>a proxy's page</html>", ""),
    ],
)
def test_an_answer_that_is_not_an_assessment_is_refused(
    status: int, body: object, code: str
) -> None:
    with scripted_server(Reply(status, body)) as server, pytest.raises(FraudRefused) as raised:
        HttpFraud(server.url, TIMEOUT).assess(ATTEMPT)
    assert raised.value.details == {"status": status, "code": code}


def test_fraud_unreachable_raises_service_unavailable_naming_it() -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        HttpFraud(closed_port_url(), TIMEOUT).assess(ATTEMPT)
    assert raised.value.details == {"service": "fraud"}


@override_settings(FRAUD_SERVICE_URL="http://fraud.test:9", FRAUD_TIMEOUT=0.75)
def test_the_settings_give_the_url_and_the_timeout() -> None:
    client = HttpFraud().client
    assert (client.base_url, client.timeout) == ("http://fraud.test:9", (0.75, 0.75))


def test_the_timeout_and_the_breaker_s_limits_are_read_on_every_call() -> None:
    """Settings that may change while the process runs (the central config store, stage 5)."""
    fraud = HttpFraud("http://fraud.test:9")
    with override_settings(
        FRAUD_TIMEOUT=0.25, FRAUD_BREAKER_FAILURES=2, FRAUD_BREAKER_RESET_SECONDS=3.0
    ):
        assert fraud.client.timeout == (0.25, 0.25)
        assert (fraud.client.breaker.failures, fraud.client.breaker.reset_seconds) == (2, 3.0)


def test_the_stage_setting_names_an_adapter_the_check_accepts() -> None:
    with override_settings(
        PAYMENTS_FRAUD_ADAPTER="extracted.payments.charges.http_fraud.HttpFraud"
    ):
        assert resolve(FRAUD, settings) is HttpFraud


def _charge() -> PaymentResult:
    return services.payment_charge(
        order_id=41, customer_id=42, amount=Decimal("25.00"), currency="EUR", card_token="tok_visa"
    )


@pytest.mark.django_db
def test_fraud_down_records_nothing_and_charges_nothing(processor: SpyCardProcessor) -> None:
    fraud = HttpFraud(closed_port_url(), TIMEOUT)
    with root.replaced(FRAUD, fraud), pytest.raises(ServiceUnavailable):
        _charge()
    assert not Payment.objects.exists()
    assert processor.charges == []


@pytest.mark.django_db
def test_a_decline_by_the_service_is_recorded_without_calling_the_processor(
    processor: SpyCardProcessor,
) -> None:
    declined = Reply(201, assessment("decline", ("too_many_attempts",)))
    with scripted_server(declined) as server, root.replaced(FRAUD, HttpFraud(server.url, TIMEOUT)):
        result = _charge()
    assert (result.status, result.decline_reasons) == ("declined", ("too_many_attempts",))
    assert processor.charges == []
    assert server.received[0].headers["idempotency-key"] == "order-41-attempt-1"


@pytest.mark.django_db
def test_once_the_circuit_is_open_a_charge_is_refused_without_calling_fraud(
    processor: SpyCardProcessor,
) -> None:
    with scripted_server(Reply(500, {"error": {}})) as server:
        fraud = HttpFraud(server.url, TIMEOUT)
        # read on every failure, not when the adapter was built
        with root.replaced(FRAUD, fraud), override_settings(FRAUD_BREAKER_FAILURES=1):
            for _ in range(2):
                with pytest.raises(ServiceUnavailable) as raised:
                    _charge()
    assert raised.value.details == {"service": "fraud", "circuit": "open", "retry_after": 10}
    assert len(server.received) == 1  # the first call (a 500 is not retried), then none
    assert not Payment.objects.exists()
    assert processor.charges == []

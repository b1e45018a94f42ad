"""The fraud check over HTTP: the payments service asks the fraud service about every attempt.

Every attempt is one ``POST /internal/v1/assessments`` to the fraud service
(``FRAUD_SERVICE_URL``, bounded by ``FRAUD_TIMEOUT`` seconds), keyed by the attempt's reference
as its ``Idempotency-Key``: the service records one assessment per key and answers a repeat
with its first answer, so the client retries the POST like a PUT and a retry is never a second
attempt in the customer's window. The service counts that window from its own assessments;
payments sends the order's declined attempts, which only it knows (the card processor's
declines among them).

A service that is down, slow or failing raises :class:`strangler.errors.ServiceUnavailable`
(503): the charge records nothing and charges nothing. After ``FRAUD_BREAKER_FAILURES`` failed
calls in a row the circuit breaker, shared by the service's processes through Redis, refuses
calls at once for ``FRAUD_BREAKER_RESET_SECONDS``, then lets one trial call through.
"""

from __future__ import annotations

from typing import Any

from extracted.payments.charges.ports import ChargeAttempt
from strangler.errors import Conflict
from strangler.http import ErrorAnswer, client_for, json_body

SERVICE = "fraud"
DECISIONS = ("approve", "decline")


class FraudRefused(Conflict):
    """The fraud service refused to assess the attempt (a 4xx the charge cannot repair).

    details: ``status`` and ``code`` of the service's answer. Nothing is recorded or charged.
    """

    code = "fraud_refused"
    writes_nothing = True


class HttpFraud:
    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        self.client = client_for(SERVICE, base_url, timeout)

    def assess(self, attempt: ChargeAttempt) -> tuple[str, ...]:
        response = self.client.post(
            "/internal/v1/assessments",
            json={
                "customer_id": attempt.customer_id,
                "order_id": attempt.order_id,
                "amount": str(attempt.amount),
                "currency": attempt.currency,
                "order_declines": attempt.order_declines,
            },
            idempotency_key=attempt.reference,
        )
        body = json_body(response)
        if response.status_code in (200, 201) and _is_assessment(body):
            return tuple(body["reasons"]) if body["decision"] == "decline" else ()
        raise ErrorAnswer.of(response.status_code, body).refused(
            FraudRefused, "The fraud service refused to assess the payment"
        )


def _is_assessment(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("decision") in DECISIONS
        and isinstance(body.get("reasons"), list)
        and all(isinstance(reason, str) for reason in body["reasons"])
    )

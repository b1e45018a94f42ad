"""The payments port over HTTP, for the stages where payments is a service of its own (stage 4
on).

Every call crosses the network to the payments service's internal API
(``PAYMENTS_SERVICE_URL``, every call bounded by ``PAYMENTS_TIMEOUT`` seconds: a charge
includes the service's own call to fraud). A charge is one ``POST /internal/v1/charges`` keyed
by ``order-<id>-checkout`` as its ``Idempotency-Key``: the service records one attempt per key
and answers a repeat with its first answer, so the client retries the POST like a PUT and a
retry never charges twice. Payments down, slow or failing raises
:class:`strangler.errors.ServiceUnavailable` (503, naming payments); the checkout then cancels
the order it placed (``checkout_failed``) and keeps the cart. After
``PAYMENTS_BREAKER_FAILURES`` failed calls in a row the circuit breaker (shared by the
monolith's processes through Redis) refuses calls at once for
``PAYMENTS_BREAKER_RESET_SECONDS``, then lets one trial call through.

Fraud down is an answer of payments, not a failure: the service answers 503
``service_unavailable`` naming fraud (``Unavailable-Service: fraud``), having recorded and
charged nothing. The kit's client raises that error as the service gave it, so the customer
reads the body the monolith gave when it asked fraud itself (stage 4's first half): the same
message, the same details, the fraud circuit's state included. Such an answer is not sent again
(each repeat would ask fraud once more and open fraud's breaker sooner than its limit says)
and is not counted against payments' breaker (payments is up; tripping its breaker would also
refuse card checks and refunds).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from monolith.orders.errors import OrderNotPayable, UnknownCardToken
from monolith.orders.ports import ChargeResult, RefundResult
from strangler.errors import Conflict
from strangler.http import ErrorAnswer, client_for, json_body

SERVICE = "payments"
STATUSES = ("approved", "declined")
REFUSED = "The payments service refused the request"


class PaymentsRefused(Conflict):
    """The payments service refused a request for a reason the checkout cannot repair.

    details: ``status`` and ``code`` of the service's answer. Nothing was charged.
    """

    code = "payments_refused"
    writes_nothing = True


class HttpPayments:
    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        self.client = client_for(SERVICE, base_url, timeout)

    def accepts_card_token(self, card_token: str) -> bool:
        response = self.client.get(f"/internal/v1/card-tokens/{quote(card_token, safe='')}")
        body = json_body(response)
        error = ErrorAnswer.of(response.status_code, body)
        if error.is_(404, "unknown_card_token"):
            return False
        if response.status_code == 200 and isinstance(body, dict):
            return True
        raise error.refused(PaymentsRefused, REFUSED)

    def charge(
        self, *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
    ) -> ChargeResult:
        """A decline is an answer (201 ``declined``); the service's refusals are raised as the
        ones the in-process adapter raises (same code and body), any other as PaymentsRefused."""
        response = self.client.post(
            "/internal/v1/charges",
            json={
                "order_id": order_id,
                "customer_id": customer_id,
                "amount": f"{amount:.2f}",
                "currency": currency,
                "card_token": card_token,
            },
            idempotency_key=f"order-{order_id}-checkout",
        )
        body = json_body(response)
        if response.status_code in (200, 201) and _is_charge(body):
            return ChargeResult(
                payment_id=body["payment_id"],
                approved=body["status"] == "approved",
                decline_reasons=tuple(body["decline_reasons"]),
            )
        error = ErrorAnswer.of(response.status_code, body)
        if error.is_(422, UnknownCardToken.code):
            raise error.as_error(UnknownCardToken, "Unknown card token.")
        if error.is_(409, OrderNotPayable.code):
            raise error.as_error(OrderNotPayable, "The order is already paid.")
        raise error.refused(PaymentsRefused, REFUSED)

    def refund(self, *, order_id: int, reason: str) -> RefundResult | None:
        """A PUT: refunding twice refunds once, so the client retries it safely."""
        response = self.client.put(f"/internal/v1/refunds/{order_id}", json={"reason": reason})
        body = json_body(response)
        error = ErrorAnswer.of(response.status_code, body)
        if error.is_(404, "payment_not_found"):
            return None
        if response.status_code == 200 and _is_refund(body):
            return RefundResult(
                payment_id=body["payment_id"],
                amount=Decimal(body["amount"]),
                currency=body["currency"],
            )
        raise error.refused(PaymentsRefused, REFUSED)


def _is_charge(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and type(body.get("payment_id")) is int
        and body.get("status") in STATUSES
        and isinstance(body.get("decline_reasons"), list)
        and all(isinstance(reason, str) for reason in body["decline_reasons"])
    )


def _is_refund(body: Any) -> bool:
    if not (
        isinstance(body, dict)
        and type(body.get("payment_id")) is int
        and isinstance(body.get("amount"), str)
        and isinstance(body.get("currency"), str)
    ):
        return False
    try:
        return Decimal(body["amount"]).is_finite()
    except InvalidOperation:
        return False

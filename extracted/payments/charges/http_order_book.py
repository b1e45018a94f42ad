"""The order book over HTTP: the payments service reads and confirms the order a payment pays
through the monolith's internal API (``/internal/v1/orders/``, never routed by the gateway).

Both calls are idempotent (a GET, and a PUT that answers 200 to a repeat), so the kit's client
retries them on a 502, 503 or 504. The monolith's refusals become this port's errors:
``order_not_found`` is :class:`~extracted.payments.charges.errors.OrderNotFound` (404),
``order_not_payable`` is :class:`~extracted.payments.charges.errors.OrderNotPayable` (409).
A monolith that is down, slow or failing raises :class:`strangler.errors.ServiceUnavailable`
naming it (503); after ``MONOLITH_BREAKER_FAILURES`` failed calls in a row the circuit breaker
refuses calls at once for ``MONOLITH_BREAKER_RESET_SECONDS``. Any other answer is
:class:`OrderBookRefused`: nothing the payment can repair.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from extracted.payments.charges.errors import OrderNotFound, OrderNotPayable
from extracted.payments.charges.ports import PayableOrder
from strangler.errors import Conflict
from strangler.http import ErrorAnswer, client_for, json_body

SERVICE = "monolith"
REFUSED = "The monolith's order book refused the request"


class OrderBookRefused(Conflict):
    """The monolith's order book refused a request, or answered something that is not an
    order: details ``status`` and ``code`` of its answer."""

    code = "order_book_refused"
    writes_nothing = True


class HttpOrderBook:
    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        self.client = client_for(SERVICE, base_url, timeout)

    def get_payable_order(self, *, order_id: int, customer_id: int) -> PayableOrder:
        response = self.client.get(
            f"/internal/v1/orders/{order_id}", params={"customer_id": customer_id}
        )
        body = json_body(response)
        error = _translated(ErrorAnswer.of(response.status_code, body), order_id)
        if response.status_code == 200 and isinstance(body, dict):
            order = _payable_order(body)
            if order is not None and order.order_id == order_id:
                return order
        raise error.refused(OrderBookRefused, REFUSED)

    def confirm_payment(self, *, order_id: int, payment_id: int) -> None:
        response = self.client.put(
            f"/internal/v1/orders/{order_id}/payment", json={"payment_id": payment_id}
        )
        error = _translated(ErrorAnswer.of(response.status_code, json_body(response)), order_id)
        if response.status_code != 200:
            raise error.refused(OrderBookRefused, REFUSED)


def _translated(error: ErrorAnswer, order_id: int) -> ErrorAnswer:
    """Raise the port's error for the monolith's refusals this port names, with the
    monolith's message and details: the public answer is the one the in-process order book
    gave, word for word. Any other answer is returned."""
    if error.is_(404, OrderNotFound.code):
        raise error.as_error(OrderNotFound, f"Order {order_id} was not found.")
    if error.is_(409, OrderNotPayable.code):
        raise error.as_error(OrderNotPayable, f"Order {order_id} cannot be paid.")
    return error


def _payable_order(body: dict[str, Any]) -> PayableOrder | None:
    """The order in the answer, or None when the answer is not one."""
    order_id, customer_id = body.get("order_id"), body.get("customer_id")
    status, total, currency = body.get("status"), body.get("total"), body.get("currency")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (order_id, customer_id)):
        return None
    if not all(isinstance(v, str) for v in (status, total, currency)):
        return None
    try:
        amount = Decimal(str(total))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return PayableOrder(
        order_id=int(str(order_id)),
        customer_id=int(str(customer_id)),
        status=str(status),
        total=amount,
        currency=str(currency),
    )

"""The integration events the payments service publishes: ``payment.approved``,
``payment.declined``, ``payment.refunded`` (schemas in ``strangler/contracts/events``), the
monolith's payments' events unchanged but for their ``source``.

Each is built from the payment inside the transaction that wrote it and goes to the payments
outbox there; the relay publishes it after the commit. The aggregate is the payment, so a
payment's ``payment.refunded`` never overtakes its ``payment.approved``.
"""

from __future__ import annotations

from typing import Any

from extracted.payments.charges.models import Payment, Refund
from extracted.payments.charges.outbox.models import OutboxMessage
from strangler.events import Event, current_traceparent
from strangler.events.envelope import wire_money, wire_time
from strangler.events.outbox import publish

SOURCE = "payments"
AGGREGATE = "payment"


def _attempt(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.pk,
        "order_id": payment.order_id,
        "customer_id": payment.customer_id,
        "amount": wire_money(payment.amount),
        "currency": payment.currency,
    }


def _publish(payment: Payment, event_type: str, data: dict[str, Any]) -> OutboxMessage:
    event = Event(type=event_type, data=data, source=SOURCE, traceparent=current_traceparent())
    return publish(OutboxMessage, event, aggregate_type=AGGREGATE, aggregate_id=payment.pk)


def publish_payment_approved(payment: Payment) -> OutboxMessage:
    return _publish(
        payment,
        "payment.approved",
        {**_attempt(payment), "approved_at": wire_time(payment.created_at)},
    )


def publish_payment_declined(payment: Payment) -> OutboxMessage:
    """``decline_reasons``: the fraud rules' codes, or the card processor's reason."""
    return _publish(
        payment,
        "payment.declined",
        {
            **_attempt(payment),
            "decline_reasons": [str(reason) for reason in payment.decline_reasons],
            "declined_at": wire_time(payment.created_at),
        },
    )


def publish_payment_refunded(payment: Payment, refund: Refund) -> OutboxMessage:
    return _publish(
        payment,
        "payment.refunded",
        {
            **_attempt(payment),
            "amount": wire_money(refund.amount),
            "reason": refund.reason[:255],
            "refunded_at": wire_time(refund.created_at),
        },
    )

"""The published interface of payments: the only module other contexts may import."""

from __future__ import annotations

from decimal import Decimal

from monolith.payments import selectors, services
from monolith.payments.errors import InvalidCardToken, PaymentDeclined
from monolith.payments.results import PaymentResult

__all__ = [
    "InvalidCardToken",
    "PaymentDeclined",
    "PaymentResult",
    "card_token_is_known",
    "charge",
    "get_payment_for_order",
    "refund",
]


def charge(
    *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
) -> PaymentResult:
    """Record a payment attempt whatever the outcome; fraud rules run first.

    Never raises for a decline (look at ``status`` / ``decline_reasons``). Raises
    InvalidCardToken (422 unknown_card_token) for an unknown token, recording nothing.
    """
    return services.payment_charge(
        order_id=order_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        card_token=card_token,
    )


def card_token_is_known(card_token: str) -> bool:
    """Whether the card processor knows ``card_token``, so callers can refuse it up front."""
    try:
        services.payment_validate_card_token(card_token=card_token)
    except InvalidCardToken:
        return False
    return True


def refund(*, order_id: int, reason: str) -> PaymentResult | None:
    """Refund the order's approved payment; idempotent; None if no payment was approved."""
    return services.payment_refund(order_id=order_id, reason=reason)


def get_payment_for_order(order_id: int) -> PaymentResult | None:
    """The order's approved or refunded payment, else its latest declined attempt, else None."""
    payment = selectors.payment_for_order(order_id=order_id)
    return selectors.payment_to_result(payment) if payment is not None else None

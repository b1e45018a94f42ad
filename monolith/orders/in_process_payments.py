"""The in-process payments adapter behind the orders' payments port (stages 0 to 3): it calls
the payments context's published interface. Stage 4 charges over HTTP instead
(``monolith.orders.http_payments``) and retires this module with the payments context.

The interface is imported inside the methods so that the orders context loads even where this
adapter is not in use.
"""

from __future__ import annotations

from decimal import Decimal

from monolith.orders.ports import ChargeResult, RefundResult


class InProcessPayments:
    def accepts_card_token(self, card_token: str) -> bool:
        from monolith.payments import interface as payments

        return payments.card_token_is_known(card_token)

    def charge(
        self, *, order_id: int, customer_id: int, amount: Decimal, currency: str, card_token: str
    ) -> ChargeResult:
        from monolith.payments import interface as payments

        result = payments.charge(
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            card_token=card_token,
        )
        return ChargeResult(
            payment_id=result.payment_id,
            approved=result.status == "approved",
            decline_reasons=tuple(result.decline_reasons),
        )

    def refund(self, *, order_id: int, reason: str) -> RefundResult | None:
        from monolith.payments import interface as payments

        result = payments.refund(order_id=order_id, reason=reason)
        if result is None:
            return None
        return RefundResult(
            payment_id=result.payment_id, amount=result.amount, currency=result.currency
        )

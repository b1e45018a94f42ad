"""The adapter behind the payments events port (``PAYMENTS_EVENTS_ADAPTER``): payment.*
integration events written to the service's outbox, in the transaction of the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extracted.payments.charges.outbox import events

if TYPE_CHECKING:
    from extracted.payments.charges.models import Payment, Refund


class OutboxEvents:
    """Integration events written to the payments outbox, in the same transaction."""

    def payment_approved(self, payment: Payment) -> None:
        events.publish_payment_approved(payment)

    def payment_declined(self, payment: Payment) -> None:
        events.publish_payment_declined(payment)

    def payment_refunded(self, payment: Payment, refund: Refund) -> None:
        events.publish_payment_refunded(payment, refund)

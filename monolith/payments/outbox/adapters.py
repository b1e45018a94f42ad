"""Stage 2 on: the adapter behind the payments events port (``PAYMENTS_EVENTS_ADAPTER``) that
writes payment.* integration events to the payments outbox, in the transaction of the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monolith.payments.outbox import events

if TYPE_CHECKING:
    from monolith.payments.models import Payment, Refund


class OutboxEvents:
    """Stage 2 on: integration events written to the payments outbox, in the same transaction."""

    def payment_approved(self, payment: Payment) -> None:
        events.publish_payment_approved(payment)

    def payment_declined(self, payment: Payment) -> None:
        events.publish_payment_declined(payment)

    def payment_refunded(self, payment: Payment, refund: Refund) -> None:
        events.publish_payment_refunded(payment, refund)

"""The payments service's outbox table."""

from __future__ import annotations

from strangler.events.models import OutboxMessage as BaseOutboxMessage
from strangler.events.models import outbox_indexes

TABLE = "payments_outbox_outboxmessage"


class OutboxMessage(BaseOutboxMessage):
    """The integration events of payments, written in the same transaction as the change."""

    class Meta(BaseOutboxMessage.Meta):
        db_table = TABLE
        indexes = outbox_indexes("pay_svc_outbox")  # index names: 30 characters at most
        verbose_name = "outbox message"

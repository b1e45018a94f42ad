"""The payments outbox table."""

from __future__ import annotations

from strangler.events.models import OutboxMessage as BaseOutboxMessage
from strangler.events.models import outbox_indexes

TABLE = "payments_outboxmessage"  # its name from before the outbox had an app of its own


class OutboxMessage(BaseOutboxMessage):
    """The integration events of payments, written in the same transaction as the change."""

    class Meta(BaseOutboxMessage.Meta):
        db_table = TABLE
        indexes = outbox_indexes(TABLE)
        verbose_name = "outbox message"

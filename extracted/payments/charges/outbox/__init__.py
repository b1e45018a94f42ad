"""The payments service's outbox: its table (``payments_outbox_outboxmessage``, not the
monolith's ``payments_outboxmessage``: the hand-over copies only the payments tables), the
payment.* events it holds (``events``), the adapter behind the events port that writes them
(``adapters.OutboxEvents``) and its admin. The relay (``manage.py outbox_relay``) publishes it."""

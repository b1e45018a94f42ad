"""The inventory service's outbox: its table (``inventory_outbox_outboxmessage``, not the
monolith's ``inventory_outboxmessage``: the hand-over copies only the stock tables), the
stock.* events it holds (``events``) and its admin. The relay (``manage.py outbox_relay``)
publishes it."""

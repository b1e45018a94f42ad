"""The inventory outbox (stage 2 on): its table, the adapter that writes it (``OutboxEvents``,
behind the inventory events port), the events it holds (``events``) and its admin.

An app of its own (label ``inventory_outbox``) so that it reaches the tree with the stage that
switches it on; ``monolith.shop.settings`` installs it when it is there.
"""

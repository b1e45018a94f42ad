"""``manage.py events_declare``: declare the monolith's event queue (monolith.events), its
bindings to the events the monolith consumes, and its dead-letter queue."""

from strangler.service.management.commands.events_declare import Command

__all__ = ["Command"]

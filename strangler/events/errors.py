"""Errors of the events library."""

from __future__ import annotations


class InvalidEvent(ValueError):
    """The event does not match its envelope or its type's JSON Schema.

    An invalid event is rejected whole: a producer never writes it to its outbox, a consumer
    sends it to the dead-letter queue without running any handler.
    """

    def __init__(self, message: str, *, event_id: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.event_id = event_id


class OutboxMisuse(RuntimeError):
    """``publish`` was called outside the business transaction."""

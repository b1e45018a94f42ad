"""The record a service keeps, in its own database, of the monolith's tables it took over.

``strangler_migrate_handed_over`` holds one row per table and when: the proof ``migrate retire``
asks for before it archives and drops the monolith's copy. The hand-over
(``strangler.migrate.handover``) writes it on GO; a service that hands a context over its own way
(the notifications backfill, a merge that may run again) writes it through its own connection
when a run proves the copy whole, and drops it when a run finds a conflict. Plain statements,
so either kind of connection runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

HANDED_OVER = "strangler_migrate_handed_over"  # in the target: tables it owns since the copy

Statements = list[tuple[str, list[Any]]]


def record_statements(tables: Sequence[str], mark: str) -> Statements:
    """The statements that record that the service holds ``tables`` as of now (``mark``: the
    driver's placeholder); run them in one transaction."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    insert = f"INSERT INTO {HANDED_OVER} (table_name, handed_over_at) VALUES ({mark}, {mark})"
    return [
        *forget_statements(tables, mark),
        *((insert, [table, at]) for table in tables),
    ]


def forget_statements(tables: Sequence[str], mark: str) -> Statements:
    """The statements that drop the record of ``tables`` (a copy no longer proven whole:
    ``migrate retire`` refuses them again)."""
    create = (
        f"CREATE TABLE IF NOT EXISTS {HANDED_OVER} "
        "(table_name varchar(200) PRIMARY KEY, handed_over_at varchar(40) NOT NULL)"
    )
    delete = f"DELETE FROM {HANDED_OVER} WHERE table_name = {mark}"
    return [(create, []), *((delete, [table]) for table in tables)]

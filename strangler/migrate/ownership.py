"""Which side owns a context's tables, enforced inside the database that no longer does.

``make_read_only`` records the owner in ``strangler_migrate_owner`` and adds a trigger per
table that refuses every insert, update and delete with a message naming the context and its
owner. A trigger, not a Django signal or router: it also stops ``QuerySet.update``, bulk
writes and raw SQL, on PostgreSQL and SQLite alike, in processes already running, with no
setting to switch on. The migration's own writes (applying the other side's changes) pass by
inserting a row into ``strangler_migrate_unlock`` inside their transaction: other sessions
never see it, and it is gone when that transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from strangler.migrate.endpoints import Endpoint
from strangler.migrate.plan import TablePlan

OWNERS = "strangler_migrate_owner"
UNLOCK = "strangler_migrate_unlock"

_PG_GUARD = f"""
CREATE OR REPLACE FUNCTION strangler_migrate_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM {UNLOCK}) THEN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'read_only_sql_transaction';
  END IF;
  RETURN NULL;
END $$
"""


@dataclass(frozen=True)
class Owner:
    context: str
    owner: str  # the upstream that now owns the context's data
    route: str  # the route prefix the flip moved
    previous: str  # the upstream the route was on before


def message(table: str, context: str, owner: str) -> str:
    return (
        f"{table} is read-only here: the {context} context's data is owned by {owner} since "
        f"the flip (write through {owner}, or `python -m strangler migrate rollback`)"
    )


def _guard(table: str) -> str:
    return f"strangler_guard_{table}"[:63]


def _tables(endpoint: Endpoint) -> None:
    endpoint.connection.execute(
        f"CREATE TABLE IF NOT EXISTS {OWNERS} (table_name varchar(200) PRIMARY KEY, "
        "context varchar(200) NOT NULL, owner varchar(200) NOT NULL, "
        "route varchar(500) NOT NULL, previous varchar(200) NOT NULL)"
    )
    endpoint.connection.execute(f"CREATE TABLE IF NOT EXISTS {UNLOCK} (unlocked integer)")


def make_read_only(endpoint: Endpoint, tables: Sequence[TablePlan], owner: Owner) -> None:
    """Refuse every write to ``tables`` here from now on, naming ``owner`` (one transaction)."""
    _tables(endpoint)
    if endpoint.vendor == "postgresql":
        endpoint.connection.execute(_PG_GUARD)
    mark = endpoint.placeholder
    with endpoint.transaction():
        for table in tables:
            refusal = message(table.name, owner.context, owner.owner).replace("'", "''")
            name, guard = endpoint.quote(table.name), _guard(table.name)
            endpoint.connection.execute(
                f"DELETE FROM {OWNERS} WHERE table_name = {mark}", [table.name]
            )
            endpoint.connection.execute(
                f"INSERT INTO {OWNERS} VALUES ({', '.join([mark] * 5)})",
                [table.name, owner.context, owner.owner, owner.route, owner.previous],
            )
            endpoint.drop_trigger(guard, table.name)
            if endpoint.vendor == "postgresql":
                endpoint.connection.execute(
                    f"CREATE TRIGGER {guard} BEFORE INSERT OR UPDATE OR DELETE "
                    f"OR TRUNCATE ON {name} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION strangler_migrate_guard('{refusal}')"
                )
                continue
            for event in endpoint.SQLITE_TRIGGER_EVENTS:
                endpoint.connection.execute(
                    f"CREATE TRIGGER {guard}_{event} BEFORE {event} "
                    f"ON {name} WHEN NOT EXISTS (SELECT 1 FROM {UNLOCK}) "
                    f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END"
                )


def make_writable(endpoint: Endpoint, tables: Sequence[TablePlan]) -> None:
    """Drop the guards on ``tables`` and forget their owner (idempotent)."""
    known = OWNERS in endpoint.tables()
    with endpoint.transaction():
        for table in tables:
            endpoint.drop_trigger(_guard(table.name), table.name)
            if known:
                endpoint.connection.execute(
                    f"DELETE FROM {OWNERS} WHERE table_name = {endpoint.placeholder}",
                    [table.name],
                )


def owner_of(endpoint: Endpoint, tables: Sequence[TablePlan]) -> Owner | None:
    """Who owns ``tables`` when this side is read-only for them, else None."""
    if OWNERS not in endpoint.tables():
        return None
    names = [t.name for t in tables]
    rows = endpoint.rows(
        f"SELECT context, owner, route, previous FROM {OWNERS} WHERE table_name IN "
        f"({', '.join(endpoint.placeholder for _ in names)})",
        names,
    )
    return Owner(*rows[0]) if rows else None


@contextmanager
def unlocked(endpoint: Endpoint) -> Iterator[None]:
    """Inside a transaction: this transaction's writes pass the guards; no other's do."""
    if UNLOCK not in endpoint.tables():
        yield
        return
    endpoint.connection.execute(f"INSERT INTO {UNLOCK} VALUES (1)")
    yield
    endpoint.connection.execute(f"DELETE FROM {UNLOCK}")

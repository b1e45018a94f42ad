"""Keep the service's copy in sync until the flip: triggers into a change table, then apply.

``install`` adds, in the monolith's database, a change table and a trigger per table that
records the key of every row inserted, updated or deleted, in the same transaction as the
write: a write that commits is recorded, one that rolls back is not. Install it before the
backfill starts, so every write after that point is caught.

``apply_changes`` reads a batch of recorded keys, reads those rows as they are now, replaces
them in the target (delete, then insert the current row if it still exists) in one target
transaction, then deletes exactly that batch from the change table. Applying a row's current
state twice changes nothing, so a crash between the two commits only repeats work; a key
written again meanwhile has a newer change row, left for the next batch. The same pair run
the other way (capture in the service, apply to the monolith) is how a rollback brings back
the writes the service took while it owned the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strangler.migrate.backfill import BACKFILLED
from strangler.migrate.endpoints import Endpoint, masked
from strangler.migrate.errors import MigrateError
from strangler.migrate.ownership import unlocked
from strangler.migrate.plan import TablePlan

CHANGES = "strangler_migrate_change"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION strangler_migrate_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO {CHANGES} (table_name, row_key) VALUES (TG_TABLE_NAME, to_jsonb(OLD)->>TG_ARGV[0]);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO {CHANGES} (table_name, row_key) VALUES (TG_TABLE_NAME, to_jsonb(NEW)->>TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$
"""


@dataclass
class SyncResult:
    changes: int = 0
    rows_written: int = 0
    rows_deleted: int = 0


def _trigger(table: str) -> str:
    return f"strangler_migrate_{table}"[:63]


def install(source: Endpoint, tables: Sequence[TablePlan]) -> None:
    """Record every later write to ``tables`` (idempotent)."""
    if source.vendor == "postgresql":
        source.connection.execute(
            f"CREATE TABLE IF NOT EXISTS {CHANGES} (id bigserial PRIMARY KEY, "
            "table_name text NOT NULL, row_key text NOT NULL)"
        )
        source.connection.execute(_PG_FUNCTION)
        for table in tables:
            name = source.quote(table.name)
            source.drop_trigger(_trigger(table.name), table.name)
            source.connection.execute(
                f"CREATE TRIGGER {_trigger(table.name)} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {name} FOR EACH ROW EXECUTE FUNCTION strangler_migrate_capture('{table.key}')"
            )
        return
    # SQLite: an untyped row_key keeps the key's own type, so it compares with the key column.
    source.connection.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGES} (id integer PRIMARY KEY AUTOINCREMENT, "
        "table_name text NOT NULL, row_key)"
    )
    for table in tables:
        name, key = source.quote(table.name), source.quote(table.key)
        record = f"INSERT INTO {CHANGES} (table_name, row_key) VALUES ('{table.name}', "
        for event, rows in (
            ("INSERT", f"NEW.{key})"),
            ("UPDATE", f"OLD.{key}), ('{table.name}', NEW.{key})"),
            ("DELETE", f"OLD.{key})"),
        ):
            source.connection.execute(
                f"CREATE TRIGGER IF NOT EXISTS {_trigger(table.name)}_{event.lower()} "
                f"AFTER {event} ON {name} BEGIN {record}{rows}; END"
            )


def remove(source: Endpoint, tables: Sequence[TablePlan]) -> None:
    """Stop recording (after the flip) and drop the change table."""
    for table in tables:
        source.drop_trigger(_trigger(table.name), table.name)
    source.connection.execute(f"DROP TABLE IF EXISTS {CHANGES}")
    if source.vendor == "postgresql":
        source.connection.execute("DROP FUNCTION IF EXISTS strangler_migrate_capture()")


def installed(source: Endpoint) -> bool:
    return CHANGES in source.tables()


def _backfilled(target: Endpoint) -> set[str]:
    if BACKFILLED not in target.tables():
        return set()
    return {row[0] for row in target.rows(f"SELECT table_name FROM {BACKFILLED}")}


def _key_filter(endpoint: Endpoint, table: TablePlan, keys: list[Any]) -> tuple[str, list[Any]]:
    key = endpoint.quote(table.key)
    if endpoint.vendor == "sqlite":
        return f"{key} IN ({', '.join('?' for _ in keys)})", keys
    key_type = endpoint.value(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s",
        [endpoint.quote(table.name), table.key],
    )
    return f"{key} = ANY(CAST(%s AS {key_type}[]))", [[str(k) for k in keys]]


def _replace(
    target: Endpoint, table: TablePlan, keys: list[Any], rows: list[tuple[Any, ...]]
) -> None:
    where, params = _key_filter(target, table, keys)
    target.connection.execute(f"DELETE FROM {target.quote(table.name)} WHERE {where}", params)
    if rows:
        names = ", ".join(target.quote(c) for c in table.columns)
        marks = ", ".join(target.placeholder for _ in table.columns)
        target.connection.cursor().executemany(
            f"INSERT INTO {target.quote(table.name)} ({names}) VALUES ({marks})", rows
        )


def check_ready(source: Endpoint, target: Endpoint, tables: Sequence[TablePlan]) -> None:
    """A MigrateError unless changes recorded in ``source`` can be applied to ``target``."""
    if not installed(source):
        raise MigrateError("no change capture in the source: run `migrate sync --install` first")
    unfinished = sorted({t.name for t in tables} - _backfilled(target))
    if unfinished:
        raise MigrateError(
            f"the backfill has not finished for {', '.join(unfinished)}: run it first"
        )


def apply_changes(
    source: Endpoint,
    target: Endpoint,
    tables: Sequence[TablePlan],
    *,
    batch_size: int,
    backfilled: bool = False,
) -> SyncResult:
    """Apply every change recorded so far, batch by batch; returns what it did.

    ``backfilled``: the caller knows the target holds a full copy (a rollback applies the
    service's changes back to the monolith, which no backfill ever marked)."""
    if backfilled:
        if not installed(source):
            raise MigrateError(f"no change capture in {masked(source.url)}")
    else:
        check_ready(source, target, tables)
    by_name = {t.name: t for t in tables}
    result = SyncResult()
    mark = source.placeholder
    while True:
        batch = source.rows(
            f"SELECT id, table_name, row_key FROM {CHANGES} ORDER BY id LIMIT {batch_size}"
        )
        if not batch:
            return result
        keys: dict[str, list[Any]] = defaultdict(list)
        for _, table_name, key in batch:
            if table_name in by_name and key not in keys[table_name]:
                keys[table_name].append(key)
        current = {}
        for table_name, wanted in keys.items():
            table = by_name[table_name]
            where, params = _key_filter(source, table, wanted)
            cols = ", ".join(source.quote(c) for c in table.columns)
            current[table_name] = source.rows(
                f"SELECT {cols} FROM {source.quote(table.name)} WHERE {where}", params
            )
        with target.transaction(), unlocked(target):
            for name, wanted in keys.items():
                _replace(target, by_name[name], wanted, current[name])
        ids = [row[0] for row in batch]
        source.connection.execute(
            f"DELETE FROM {CHANGES} WHERE id IN ({', '.join(mark for _ in ids)})", ids
        )
        result.changes += len(batch)
        written = sum(len(rows) for rows in current.values())
        result.rows_written += written
        result.rows_deleted += sum(len(k) for k in keys.values()) - written

"""Copy a context's tables in key-ordered chunks; each chunk commits on its own.

Resumable without a state file: chunks go in key order and each commits atomically, so the
target's highest key is where the copy stopped. A crash (or a kill) halfway loses at most the
chunk in flight, and running it again continues after the last committed key: nothing is
copied twice. A table copied to its end is listed in the target's ``BACKFILLED`` table, which
the sync step checks. Rows the source changes after their chunk went over are not re-read
here; the sync step carries those (see docs/migrating-data.md).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import sql

from strangler.migrate.endpoints import Endpoint, masked
from strangler.migrate.errors import MigrateError
from strangler.migrate.plan import TablePlan

LOCK_KEY = 0x5354524D  # "STRM": one backfill or sync at a time per target database
BACKFILLED = "strangler_migrate_backfilled"  # in the target: tables copied to the end once
_WRITE_BLOCK = 256 * 1024  # bytes of COPY data handed to the target at once


@dataclass
class TableResult:
    table: str
    source_rows: int
    already_there: int
    copied: int
    seconds: float = 0.0


@contextmanager
def exclusive(target: Endpoint) -> Iterator[None]:
    """Refuse a second backfill or sync into the same target while one runs."""
    busy = MigrateError(
        f"another backfill or sync into {masked(target.url)} is running; nothing was written"
    )
    if target.vendor == "postgresql":
        if not target.value("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]):
            raise busy
        try:
            yield
        finally:
            target.value("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return
    path = Path(target.url.removeprefix("sqlite:///") + ".backfill.lock")
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield


def _last_key(endpoint: Endpoint, table: TablePlan) -> Any:
    return endpoint.value(
        f"SELECT MAX({endpoint.quote(table.key)}) FROM {endpoint.quote(table.name)}"
    )


def _count(endpoint: Endpoint, table: str) -> int:
    return int(endpoint.value(f"SELECT COUNT(*) FROM {endpoint.quote(table)}"))


def _select(endpoint: Endpoint, table: TablePlan, after: Any, limit: int) -> str:
    cols = ", ".join(endpoint.quote(c) for c in table.columns)
    key = endpoint.quote(table.key)
    where = "" if after is None else f" WHERE {key} > {endpoint.placeholder}"
    return f"SELECT {cols} FROM {endpoint.quote(table.name)}{where} ORDER BY {key} LIMIT {limit}"


def _copy_pg_to_pg(source: Endpoint, target: Endpoint, table: TablePlan, after: Any, n: int) -> int:
    """One chunk piped COPY TO STDOUT -> COPY FROM STDIN: no row is ever built in Python."""
    read = table.at_source
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in read.columns)
    key, name = sql.Identifier(read.key), sql.Identifier(read.name)
    where = (
        sql.SQL("") if after is None else sql.SQL(" WHERE {} > {}").format(key, sql.Literal(after))
    )
    out = sql.SQL("COPY (SELECT {} FROM {}{} ORDER BY {} LIMIT {}) TO STDOUT").format(
        cols, name, where, key, sql.Literal(n)
    )
    into = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
    )
    with (
        target.connection.transaction(),
        source.connection.cursor() as reader,
        target.connection.cursor() as writer,
    ):
        with reader.copy(out) as rows_out, writer.copy(into) as rows_in:
            # COPY TO yields a row at a time, and each write() is a round of psycopg's
            # machinery: writing the rows in blocks halved the backfill's time.
            block = bytearray()
            for row in rows_out:
                block += row
                if len(block) >= _WRITE_BLOCK:
                    rows_in.write(block)
                    block = bytearray()
            if block:
                rows_in.write(block)
        return max(writer.rowcount, 0)


def _copy_rows(source: Endpoint, target: Endpoint, table: TablePlan, after: Any, n: int) -> int:
    params = () if after is None else (after,)
    rows = source.rows(_select(source, table.at_source, after, n), params)
    if not rows:
        return 0
    if target.vendor == "postgresql":
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
        into = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), cols)
        with (
            target.transaction(),
            target.connection.cursor() as writer,
            writer.copy(into) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows)
    names = ", ".join(target.quote(c) for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    insert = f"INSERT INTO {target.quote(table.name)} ({names}) VALUES ({marks})"
    with target.transaction():
        target.connection.executemany(insert, rows)
    return len(rows)


def _advance_sequence(target: Endpoint, table: TablePlan) -> None:
    """Copied keys do not move PostgreSQL's sequence: move it past them (never back)."""
    if target.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT counts explicit keys itself
    sequence = target.value(
        "SELECT pg_get_serial_sequence(%s, %s)", [target.quote(table.name), table.key]
    )
    if sequence:  # a name from the catalog, already quoted
        key, name = target.quote(table.key), target.quote(table.name)
        target.value(
            f"SELECT setval(%s, GREATEST((SELECT MAX({key}) FROM {name}), "
            f"(SELECT last_value FROM {sequence})))",
            [sequence],
        )


def _mark_backfilled(target: Endpoint, table: str) -> None:
    """The sync step applies changes only to tables copied to the end (see sync.py)."""
    target.connection.execute(
        f"CREATE TABLE IF NOT EXISTS {BACKFILLED} (table_name varchar(200) PRIMARY KEY)"
    )
    mark = target.placeholder
    with target.transaction():
        target.connection.execute(f"DELETE FROM {BACKFILLED} WHERE table_name = {mark}", [table])
        target.connection.execute(f"INSERT INTO {BACKFILLED} (table_name) VALUES ({mark})", [table])


def backfill_table(
    source: Endpoint,
    target: Endpoint,
    table: TablePlan,
    *,
    chunk_size: int,
    on_chunk: Callable[[int], None] = lambda rows: None,
    on_start: Callable[[int, int], None] = lambda total, done: None,
) -> TableResult:
    """Copy ``table`` from where the target stopped; call ``on_chunk`` after each commit."""
    total, already = _count(source, table.at_source.name), _count(target, table.name)
    on_start(total, already)
    after = _last_key(target, table)
    copy = _copy_pg_to_pg if source.vendor == target.vendor == "postgresql" else _copy_rows
    copied = 0
    while True:
        rows = copy(source, target, table, after, chunk_size)
        if rows == 0:
            break
        copied += rows
        after = _last_key(target, table)
        on_chunk(rows)
        if rows < chunk_size:
            break
    if copied:
        _advance_sequence(target, table)
    _mark_backfilled(target, table.name)
    return TableResult(table=table.name, source_rows=total, already_there=already, copied=copied)

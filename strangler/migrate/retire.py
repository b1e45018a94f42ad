"""The strangler's last data step: the monolith's copy of tables a service owns, archived and
dropped.

After the hand-over the service writes its own rows and the monolith's tables only age: they
mislead a reader, they are a second place a forgotten query can still read, and their rows
are personal data kept twice. Retiring them is safe only when the service holds every row
they hold, so nothing here writes anything until that is proven:

1. the service recorded the hand-over of every table (``strangler_migrate_handed_over``);
2. every key of the monolith's tables is in the service's (a row written in the monolith
   after the hand-over would be lost): else NO-GO, nothing written;
3. each table is written to ``<archive>/<table>.jsonl.gz`` (a JSON array per row, in key
   order, its columns first), read back and counted, and described in
   ``<archive>/retired.json`` (rows, SHA-256 of each file, when, from where);
4. the tables are dropped in one transaction that first shuts writers out and recounts them
   (rows written since the archive: nothing dropped); with ``--context`` (every table of the
   app the service took over) the app's rows in ``django_migrations`` are deleted too, so a
   tree that still has the app (going back a stage) creates its tables again with ``migrate``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strangler.console import table as text_table
from strangler.migrate.endpoints import Endpoint, masked, open_endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import handed_over, owned_since
from strangler.migrate.plan import TablePlan, opened
from strangler.migrate.progress import RowProgress

MANIFEST = "retired.json"
KEY_CHUNK = 10_000


@dataclass(frozen=True)
class Archived:
    table: str
    rows: int
    path: Path
    sha256: str


@dataclass
class Retirement:
    """What ``retire`` found and did; ``missing`` (table -> rows the owner lacks) means NO-GO."""

    handed_over_at: str = ""
    missing: dict[str, int] = field(default_factory=dict)
    archived: list[Archived] = field(default_factory=list)
    forgotten_migrations: int = 0

    @property
    def go(self) -> bool:
        return not any(self.missing.values())


def retire(
    source: Endpoint,
    owner: Endpoint,
    plans: Sequence[TablePlan],
    archive: Path,
    *,
    context: str = "",
    on_rows: Callable[[int], None] = lambda rows: None,
) -> Retirement:
    """Prove, archive and drop ``plans``'s tables in ``source`` (see the module's steps)."""
    since = owned_since(owner, plans)
    if since is None:
        raise MigrateError(
            "the service has no record of taking these tables over "
            f"({', '.join(p.name for p in plans)}): hand them over first (its take_over_* "
            "command, or migrate backfill + verify), then retire them"
        )
    result = Retirement(handed_over_at=since)
    result.missing = {p.name: _rows_not_in(source, owner, p) for p in plans}
    if not result.go:
        return result
    archive.mkdir(parents=True, exist_ok=True)
    if (archive / MANIFEST).exists():
        raise MigrateError(f"{archive / MANIFEST} exists: archive into a folder of its own")
    result.archived = [_archive(source, p, archive, on_rows) for p in plans]
    _describe(archive, source, owner, since, result.archived)
    with source.transaction():
        _unchanged_since_archived(source, result.archived)
        for plan in reversed(plans):  # a table referring to another of them goes first
            source.connection.execute(f"DROP TABLE {source.quote(plan.name)}")
        if context and "django_migrations" in source.tables():
            result.forgotten_migrations = _forget_migrations(source, context)
    return result


def _rows_not_in(source: Endpoint, owner: Endpoint, plan: TablePlan) -> int:
    """How many of the source's keys the owner lacks, asked a chunk of keys at a time."""
    key, table = source.quote(plan.key), source.quote(plan.name)
    cursor = source.connection.execute(f"SELECT {key} FROM {table} ORDER BY {key}")
    missing = 0
    while chunk := [row[0] for row in cursor.fetchmany(KEY_CHUNK)]:
        marks = ", ".join([owner.placeholder] * len(chunk))
        found = owner.value(
            f"SELECT COUNT(*) FROM {owner.quote(plan.name)} WHERE {key} IN ({marks})", chunk
        )
        missing += len(chunk) - int(found)
    return missing


def _archive(
    source: Endpoint, plan: TablePlan, archive: Path, on_rows: Callable[[int], None]
) -> Archived:
    path = archive / f"{plan.name}.jsonl.gz"
    columns = ", ".join(source.quote(c) for c in plan.columns)
    cursor = source.connection.execute(
        f"SELECT {columns} FROM {source.quote(plan.name)} ORDER BY {source.quote(plan.key)}"
    )
    written = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps(list(plan.columns)) + "\n")
        while rows := cursor.fetchmany(KEY_CHUNK):
            for row in rows:
                out.write(json.dumps(list(row), default=str) + "\n")
            written += len(rows)
            on_rows(len(rows))
    with gzip.open(path, "rt", encoding="utf-8") as back:
        read = sum(1 for _ in back) - 1  # the columns' line
    if read != written:
        raise MigrateError(f"{path} holds {read} rows, not the {written} written: nothing dropped")
    return Archived(plan.name, written, path, hashlib.sha256(path.read_bytes()).hexdigest())


def _describe(
    archive: Path, source: Endpoint, owner: Endpoint, since: str, archived: list[Archived]
) -> None:
    manifest = {
        "retired_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": masked(source.url),
        "owner": masked(owner.url),
        "handed_over_at": since,
        "tables": {
            a.table: {"file": a.path.name, "rows": a.rows, "sha256": a.sha256} for a in archived
        },
    }
    (archive / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def _unchanged_since_archived(source: Endpoint, archived: list[Archived]) -> None:
    """No writer can reach the tables until the drop commits (PostgreSQL: an exclusive lock;
    SQLite: the write transaction), and none wrote since the archive was made."""
    if source.vendor == "postgresql":
        names = ", ".join(source.quote(a.table) for a in archived)
        source.connection.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    for each in archived:
        rows = int(source.value(f"SELECT COUNT(*) FROM {source.quote(each.table)}"))
        if rows != each.rows:
            raise MigrateError(
                f"{each.table} holds {rows} rows, not the {each.rows} archived: the monolith "
                "still writes it; nothing dropped (make its tables read-only first)"
            )


def _forget_migrations(source: Endpoint, context: str) -> int:
    """Delete the app's migrations: every table of the context the service took over is gone.
    (A table named after the app may be another app's, such as the monolith's outbox of the
    context, ``<context>_outbox``'s: its migrations stay, and so does it.)"""
    mark = source.placeholder
    [(count,)] = source.rows(
        f"SELECT COUNT(*) FROM django_migrations WHERE app = {mark}", [context]
    )
    source.connection.execute(f"DELETE FROM django_migrations WHERE app = {mark}", [context])
    return int(count)


# ``python -m strangler migrate retire`` (strangler.migrate.cli adds it where this module is)


def add_command(commands: Any) -> None:
    """The ``retire`` subcommand on ``commands`` (argparse's subparsers)."""
    command = commands.add_parser(
        "retire", help="the monolith's copy of tables the service owns: archived, then dropped"
    )
    command.add_argument("--source", required=True, help="the monolith's database URL")
    command.add_argument("--target", required=True, help="the owning service's database URL")
    which = command.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--context", help="the tables named <context>_* the service recorded taking over"
    )
    which.add_argument("--table", action="append", help="a table (repeatable)")
    command.add_argument(
        "--archive", required=True, type=Path, help="a new folder for the rows and retired.json"
    )


def command(args: argparse.Namespace) -> int:
    tables = args.table or _handed_over_here(args.source, args.target, args.context)
    if not tables:
        print(f"nothing to retire: the source database has no table of {args.context!r} left")
        return 0
    # the service may have added columns since it took the tables over: only keys are compared
    with opened(args.source, args.target, context="", tables=tables, target_may_add=True) as (
        source,
        target,
        plans,
    ):
        bar = RowProgress("archive")
        bar.start(
            sum(int(source.value(f"SELECT COUNT(*) FROM {source.quote(p.name)}")) for p in plans)
        )
        try:
            result = retire(
                source, target, plans, args.archive, context=args.context or "", on_rows=bar.advance
            )
        finally:
            bar.close()
    if not result.go:
        print(text_table(["table", "rows the service lacks"], sorted(result.missing.items())))
        print(
            "\nNO-GO: the monolith holds rows the service does not (written after the hand-over "
            f"of {result.handed_over_at}); nothing archived or dropped"
        )
        return 1
    print(
        text_table(
            ["table", "rows archived", "file", "SHA-256", "dropped"],
            [(a.table, a.rows, str(a.path), a.sha256[:12], "yes") for a in result.archived],
        )
    )
    forgot = (
        f"; the monolith's migrations of {args.context} forgotten ({result.forgotten_migrations})"
        if result.forgotten_migrations
        else ""
    )
    print(f"\nretired: described in {args.archive / MANIFEST}{forgot}")
    return 0


def _handed_over_here(source_url: str, owner_url: str, context: str) -> list[str]:
    """The context's tables the service recorded taking over that the source still holds. A
    table of the context the service never took over stays (the monolith's own outbox of the
    context, ``<context>_outbox_outboxmessage``: its events were relayed, not handed over)."""
    owner = open_endpoint(owner_url, role="target")
    try:
        recorded = [name for name in handed_over(owner) if name.startswith(f"{context}_")]
    finally:
        owner.close()
    if not recorded:
        raise MigrateError(
            f"the service has no record of taking over a table of {context!r}: hand them over "
            "first (its take_over_* command, or migrate backfill + verify), then retire them"
        )
    source = open_endpoint(source_url, role="source")
    try:
        present = set(source.tables())
    finally:
        source.close()
    return sorted(name for name in recorded if name in present)

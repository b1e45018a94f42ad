"""The two databases a migration reads and writes, opened from URLs over plain DB-API.

Plain connections (sqlite3, psycopg), not Django's: a team points the tool at its own
monolith's database and its new service's, neither of which need be this project's settings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import psycopg

from strangler.migrate.errors import MigrateError

Vendor = Literal["postgresql", "sqlite"]


def masked(url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


@dataclass
class Endpoint:
    url: str
    vendor: Vendor
    connection: Any  # sqlite3.Connection | psycopg.Connection

    @property
    def placeholder(self) -> str:
        return "?" if self.vendor == "sqlite" else "%s"

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.connection.execute(query, params).fetchall()]

    def value(self, query: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(query, params)
        return found[0][0] if found else None

    # A row trigger of ours: one per table on PostgreSQL (``INSERT OR UPDATE OR DELETE``),
    # one per event on SQLite, named ``<name>_insert``, ``<name>_update``, ``<name>_delete``.
    SQLITE_TRIGGER_EVENTS = ("insert", "update", "delete")

    def drop_trigger(self, name: str, table: str) -> None:
        """Drop our trigger ``name`` on ``table`` (every event's on SQLite), if it is there."""
        if self.vendor == "postgresql":
            self.connection.execute(f"DROP TRIGGER IF EXISTS {name} ON {self.quote(table)}")
            return
        for event in self.SQLITE_TRIGGER_EVENTS:
            self.connection.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            query = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            )
        return [row[0] for row in self.rows(query)]

    def columns(self, table: str) -> list[str]:
        if self.vendor == "sqlite":
            return [row[1] for row in self.rows(f"PRAGMA table_info({self.quote(table)})")]
        return [
            row[0]
            for row in self.rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                [table],
            )
        ]

    def primary_key(self, table: str) -> list[str]:
        if self.vendor == "sqlite":
            info = self.rows(f"PRAGMA table_info({self.quote(table)})")
            return [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
        return [
            row[0]
            for row in self.rows(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = %s::regclass AND i.indisprimary",
                [self.quote(table)],
            )
        ]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (on SQLite the write lock is taken at its start)."""
        if self.vendor == "postgresql":
            with self.connection.transaction():
                yield
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def open_endpoint(url: str, *, role: str) -> Endpoint:
    """Connect to ``url`` (``sqlite:///path`` or ``postgres://...``); never creates a database."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))  # sqlite:////abs/path, sqlite:///rel/path
        if not path.is_file():
            raise MigrateError(f"the {role} database {url} does not exist (no file {path})")
        return Endpoint(
            url=url,
            vendor="sqlite",
            # verify hashes both sides at once: a connection is used by one thread at a time
            connection=sqlite3.connect(
                path, timeout=20, isolation_level=None, check_same_thread=False
            ),
        )
    if scheme in ("postgres", "postgresql"):
        try:
            connection = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise MigrateError(
                f"cannot connect to the {role} database {masked(url)}: {reason}"
            ) from None
        return Endpoint(url=url, vendor="postgresql", connection=connection)
    raise MigrateError(
        f"the {role} database URL {masked(url)!r} is not sqlite:///PATH or postgres://..."
    )

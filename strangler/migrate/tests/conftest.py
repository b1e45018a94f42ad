"""Two empty databases per test, on SQLite and (when DATABASE_URL names one) PostgreSQL.

On PostgreSQL each is a database of its own on the test server, dropped afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from strangler.migrate.endpoints import Endpoint, open_endpoint

# An inventory-shaped table: the columns and types of the monolith's stock levels.
STOCK_TABLE = """
CREATE TABLE inventory_stockitem (
    id integer PRIMARY KEY, sku varchar(64) NOT NULL UNIQUE, on_hand integer NOT NULL,
    reserved integer NOT NULL, updated_at timestamp NOT NULL)
"""

MakeDatabase = Callable[[], str]


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class _PostgresDatabases:
    """Empty databases on the test server, each used by one test at a time and emptied after
    it: dropping a database that was written takes 0.1 to 0.5 s, emptying its schema 10 ms."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.free: list[str] = []
        self.made: list[str] = []

    def url(self, name: str) -> str:
        return self.admin.rsplit("/", 1)[0] + f"/{name}"

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"migrate_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        """Empties ``name`` as a new database is (everything the tool makes is in ``public``:
        tables, sequences, functions, triggers) and keeps it for the next test."""
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        self.free.append(name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_databases() -> Iterator[_PostgresDatabases | None]:
    server = _postgres_url()
    if server is None:
        yield None
        return
    databases = _PostgresDatabases(server.rsplit("/", 1)[0] + "/postgres")
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def make_database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    _postgres_databases: _PostgresDatabases | None,
) -> Iterator[MakeDatabase]:
    """Makes an empty database of the engine under test and returns its URL."""
    taken: list[str] = []
    if request.param == "postgresql" and _postgres_databases is None:
        pytest.skip("PostgreSQL runs need DATABASE_URL naming one (make unit sets it)")

    def make() -> str:
        if request.param == "sqlite" or _postgres_databases is None:
            path = tmp_path / f"{uuid.uuid4().hex[:8]}.sqlite3"
            sqlite3.connect(path).close()
            return f"sqlite:///{path}"
        taken.append(_postgres_databases.take())
        return _postgres_databases.url(taken[-1])

    yield make
    for name in taken:
        assert _postgres_databases is not None
        _postgres_databases.give_back(name)


def execute(url: str, statement: str, rows: list[tuple[object, ...]] | None = None) -> None:
    """One statement (``?`` placeholders), once or for each of ``rows``, in one transaction (the
    endpoint commits each statement: 300 rows would be 300 commits, 1 s on SQLite)."""
    endpoint = open_endpoint(url, role="test")
    try:
        statement = statement.replace("?", endpoint.placeholder)
        cursor = endpoint.connection.cursor()
        with endpoint.transaction():
            if rows is None:
                cursor.execute(statement)
            else:
                cursor.executemany(statement, rows)
    finally:
        endpoint.close()


def stock_rows(first: int, last: int) -> list[tuple[object, ...]]:
    return [
        (i, f"SKU-{i:06d}", 10 + i % 7, i % 3, "2026-01-01 10:00:00")
        for i in range(first, last + 1)
    ]


INSERT_STOCK = "INSERT INTO inventory_stockitem VALUES (?, ?, ?, ?, ?)"


def stocked_pair(make_database: MakeDatabase, rows: int) -> tuple[str, str]:
    """A source holding stock rows 1 to ``rows`` and an empty target, both with the table."""
    source, target = make_database(), make_database()
    for url in (source, target):
        execute(url, STOCK_TABLE)
    execute(source, INSERT_STOCK, stock_rows(1, rows))
    return source, target


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    endpoint: Endpoint = open_endpoint(url, role="test")
    try:
        return endpoint.rows(sql)
    finally:
        endpoint.close()

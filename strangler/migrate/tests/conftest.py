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


@pytest.fixture(params=["sqlite", "postgresql"])
def make_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeDatabase]:
    """Creates an empty database of the engine under test and returns its URL."""
    created: list[str] = []
    server = _postgres_url()
    if request.param == "postgresql" and server is None:
        pytest.skip("PostgreSQL runs need DATABASE_URL naming one (make unit sets it)")
    admin = (server or "").rsplit("/", 1)[0] + "/postgres"

    def make() -> str:
        if request.param == "sqlite":
            path = tmp_path / f"{uuid.uuid4().hex[:8]}.sqlite3"
            sqlite3.connect(path).close()
            return f"sqlite:///{path}"
        name = f"migrate_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return admin.rsplit("/", 1)[0] + f"/{name}"

    yield make
    if created:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def execute(url: str, statement: str, rows: list[tuple[object, ...]] | None = None) -> None:
    """One statement (``?`` placeholders), once or for each of ``rows``."""
    endpoint = open_endpoint(url, role="test")
    try:
        statement = statement.replace("?", endpoint.placeholder)
        cursor = endpoint.connection.cursor()
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

"""``python -m strangler migrate`` on the monolith's inventory tables, as stage 3 will move them.

Both databases get the tables from the monolith's own migrations (the target stands in for the
inventory service's database, which does not exist yet). The backfill is killed halfway and run
again; verify then says GO, and NO-GO naming the key of a row changed behind its back. On the
real engines each database is one of its own on the PostgreSQL server; else SQLite files.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest

from strangler.config import REPO_ROOT
from strangler.migrate.backfill import LOCK_KEY

STOCK_ITEMS = 20_000
RESERVATIONS = 40_000
TABLES = ("inventory_stockitem", "inventory_reservation")


def _server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _seed(url: str) -> None:
    """Inventory-shaped rows written straight into the monolith's tables."""
    stock = (
        "INSERT INTO inventory_stockitem (id, sku, on_hand, reserved, updated_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    reservation = (
        "INSERT INTO inventory_reservation "
        "(id, order_id, sku, quantity, status, expires_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    at = "2026-12-01 10:00:00+00:00"
    stock_rows = [(i, f"SKU-{i:06d}", 100 + i % 50, i % 7, at) for i in range(1, STOCK_ITEMS + 1)]
    reservation_rows = [
        (i, 1 + i // 2, f"SKU-{1 + i % STOCK_ITEMS:06d}", 1 + i % 3, "active", at, at, at)
        for i in range(1, RESERVATIONS + 1)
    ]
    with _connect(url) as (db, mark):
        cursor = db.cursor()
        cursor.executemany(stock.replace("?", mark), stock_rows)
        cursor.executemany(reservation.replace("?", mark), reservation_rows)
        db.commit()


@contextmanager
def _connect(url: str) -> Iterator[tuple[sqlite3.Connection | psycopg.Connection, str]]:
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)) as db:
            yield db, "?"
    else:
        with psycopg.connect(url) as conn:
            yield conn, "%s"


def _count(url: str, table: str = "inventory_reservation") -> int:
    with _connect(url) as (db, _):
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # type: ignore[index]


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The monolith's database and a stand-in for the inventory service's, both migrated."""
    server = _server()
    names = [f"migrate_{uuid.uuid4().hex[:8]}_{side}" for side in ("monolith", "inventory")]
    admin = (server or "").rsplit("/", 1)[0] + "/postgres"
    if server:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        urls = [admin.rsplit("/", 1)[0] + f"/{name}" for name in names]
    else:
        urls = [f"sqlite:///{tmp_path / name}.sqlite3" for name in names]
    try:
        for url in urls:
            migrated = _run(
                "manage.py", "migrate", "inventory", "--noinput", env={"DATABASE_URL": url}
            )
            assert migrated.returncode == 0, migrated.stderr[-3000:]
        yield urls[0], urls[1]
    finally:
        if server:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _writes_held(url: str) -> Iterator[None]:
    """Holds the target's write lock, so the backfill waits between two chunks."""
    with _connect(url) as (db, _):
        if url.startswith("sqlite"):
            db.execute("BEGIN EXCLUSIVE")
        else:
            db.execute("LOCK TABLE inventory_reservation IN ACCESS EXCLUSIVE MODE")
        yield
        db.rollback()


def _backfill_running(url: str) -> bool:
    """PostgreSQL ends a killed client's session (and its advisory lock) a moment later."""
    if url.startswith("sqlite"):
        return False  # the lock file's lock went with the process
    with _connect(url) as (db, _):
        held = db.execute(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
            [LOCK_KEY],
        ).fetchone()
    return bool(held and held[0])


def _wait_for(condition: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_killed_backfill_resumes_and_verify_names_a_changed_key(
    databases: tuple[str, str],
) -> None:
    source, target = databases
    _seed(source)
    migrate = ("-m", "strangler", "migrate")
    sides = ("--source", source, "--target", target, "--context", "inventory")
    backfill = subprocess.Popen(
        [sys.executable, *migrate, "backfill", *sides, "--chunk-size", "200"],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _count(target) > 0, "the first reservations to be copied")
        with _writes_held(target):
            backfill.send_signal(signal.SIGKILL)
            backfill.wait(timeout=30)
    finally:
        if backfill.poll() is None:
            backfill.kill()
    _wait_for(lambda: not _backfill_running(target), "the killed backfill's session to end")
    copied_before_the_kill = sum(_count(target, t) for t in TABLES)
    assert 0 < _count(target) < RESERVATIONS, "the backfill was not killed halfway"

    resumed = _run(*migrate, "backfill", *sides, "--chunk-size", "5000")

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    left = STOCK_ITEMS + RESERVATIONS - copied_before_the_kill
    assert f"{left} rows copied" in resumed.stdout
    assert [_count(target, t) for t in TABLES] == [STOCK_ITEMS, RESERVATIONS]
    verified = _run(*migrate, "verify", *sides, "--chunk-size", "5000")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "GO: the copy is equal" in verified.stdout

    with _connect(target) as (db, _):
        db.execute("UPDATE inventory_reservation SET quantity = quantity + 1 WHERE id = 31337")
        db.commit()
    verified = _run(*migrate, "verify", *sides, "--chunk-size", "5000")

    assert verified.returncode == 1
    assert "NO-GO" in verified.stdout
    assert "changed:            31337" in verified.stdout

"""``migrate flip`` and ``rollback`` against a running gateway: its route table file is edited,
it reloads on the SIGHUP, and the next request lands on the other upstream. The databases are
SQLite files (the PostgreSQL runs are in strangler/migrate/tests/test_flip.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.tests.harness import Gateway, Harness, table
from strangler.__main__ import main
from strangler.testing import eventually

STOCK = (
    "CREATE TABLE inventory_stockitem (id integer PRIMARY KEY, sku varchar(64) NOT NULL, "
    "on_hand integer NOT NULL)"
)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    running = Harness(tmp_path)
    try:
        yield running
    finally:
        running.close()


def _database(path: Path, rows: int) -> str:
    with sqlite3.connect(path) as db:
        db.execute(STOCK)
        db.executemany(
            "INSERT INTO inventory_stockitem VALUES (?, ?, ?)",
            [(i, f"SKU-{i}", i) for i in range(1, rows + 1)],
        )
    return f"sqlite:///{path}"


def _served_by(gateway: Gateway) -> str:
    return str(gateway.get("/api/v1/inventory/LAMP").json()["instance"])


def test_flip_and_rollback_move_the_live_route(harness: Harness, tmp_path: Path) -> None:
    monolith, service = harness.upstream("monolith"), harness.upstream("inventory")
    gateway = harness.gateway(
        table(
            [{"name": "inventory", "prefix": "/api/v1/inventory", "upstream": "monolith"}],
            {
                "monolith": {"instances": ["127.0.0.1:{monolith}"]},
                "inventory": {"instances": ["127.0.0.1:{inventory}"]},
            },
            defaults={"auth": "none"},
        ),
        {"monolith": monolith.port, "inventory": service.port},
    )
    source, target = _database(tmp_path / "m.sqlite3", 20), _database(tmp_path / "s.sqlite3", 0)
    urls = ["--source", source, "--target", target, "--context", "inventory"]
    move = [*urls, "--route", "/api/v1/inventory", "--table", str(gateway.routes)]
    move += ["--pid", str(gateway.pid)]
    assert main(["migrate", "sync", *urls, "--install"]) == 0
    assert main(["migrate", "backfill", *urls]) == 0
    assert _served_by(gateway) == "monolith"

    assert main(["migrate", "flip", *move, "--to", "inventory"]) == 0
    eventually(lambda: _served_by(gateway) == "inventory", "the route on the service")

    assert main(["migrate", "rollback", *move]) == 0
    eventually(lambda: _served_by(gateway) == "monolith", "the route back on the monolith")
    assert "route table reload refused" not in gateway.log_text()

"""``python -m strangler migrate``: summary and go/no-go tables; bad input refused, no write."""

from __future__ import annotations

import pytest

from strangler.__main__ import main
from strangler.migrate.backfill import exclusive
from strangler.migrate.endpoints import open_endpoint
from strangler.migrate.tests.conftest import (
    MakeDatabase,
    execute,
    query,
    stocked_pair,
)

COUNT = "SELECT COUNT(*) FROM inventory_stockitem"


@pytest.fixture
def pair(make_database: MakeDatabase) -> tuple[str, str]:
    return stocked_pair(make_database, 30)


def _run(command: str, source: str, target: str, *more: str) -> int:
    return main(["migrate", command, "--source", source, "--target", target, *more])


def test_backfill_then_verify_prints_a_summary_and_a_go(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("backfill", *pair, "--context", "inventory", "--chunk-size", "7") == 0
    summary = capsys.readouterr().out

    assert _run("verify", *pair, "--context", "inventory") == 0
    verdict = capsys.readouterr().out

    assert "inventory_stockitem  30           0              30" in summary
    assert "30 rows copied" in summary
    assert "GO: the copy is equal" in verdict
    assert "inventory_stockitem  30           30" in verdict


def test_verify_names_the_differing_key_and_exits_non_zero(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _run("backfill", *pair, "--table", "inventory_stockitem")
    execute(pair[1], "UPDATE inventory_stockitem SET sku = 'CHANGED' WHERE id = 17")
    capsys.readouterr()

    assert _run("verify", *pair, "--table", "inventory_stockitem") == 1

    out = capsys.readouterr().out
    assert "NO-GO" in out
    assert "changed:            17" in out


def test_a_wrong_database_url_is_a_clear_error(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("backfill", pair[0], "sqlite:////nowhere/db.sqlite3", "--context", "inventory") == 2
    assert (
        "the target database sqlite:////nowhere/db.sqlite3 does not exist"
        in capsys.readouterr().err
    )
    assert _run("backfill", "mysql://x/y", pair[1], "--context", "inventory") == 2
    assert "is not sqlite:///PATH or postgres://" in capsys.readouterr().err


def test_a_missing_table_refuses_and_writes_nothing(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run("backfill", *pair, "--table", "inventory_stockitem", "--table", "inventory_gone")

    assert code == 2
    assert "inventory_gone: no such table in the source database" in capsys.readouterr().err
    assert query(pair[1], COUNT) == [(0,)]


def test_a_schema_that_differs_refuses_and_writes_nothing(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    execute(pair[1], "ALTER TABLE inventory_stockitem ADD COLUMN location varchar(20)")

    assert _run("backfill", *pair, "--context", "inventory") == 2

    err = capsys.readouterr().err
    assert "inventory_stockitem: the schemas differ" in err
    assert "only in the target: location" in err
    assert query(pair[1], COUNT) == [(0,)]


def test_a_second_backfill_while_one_runs_refuses(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    running = open_endpoint(pair[1], role="target")
    try:
        with exclusive(running):
            code = _run("backfill", *pair, "--context", "inventory")
    finally:
        running.close()

    assert code == 2
    assert "another backfill or sync into" in capsys.readouterr().err
    assert query(pair[1], COUNT) == [(0,)]


def test_sync_install_backfill_sync_verify_remove_is_the_whole_run(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("sync", *pair, "--context", "inventory", "--install") == 0
    assert _run("backfill", *pair, "--context", "inventory") == 0
    execute(pair[0], "UPDATE inventory_stockitem SET reserved = 0 WHERE id = 4")  # old, new key
    capsys.readouterr()

    assert _run("sync", *pair, "--context", "inventory") == 0
    assert "applied 2 recorded changes: 1 rows written, 0 deleted" in capsys.readouterr().out
    assert _run("verify", *pair, "--context", "inventory") == 0
    assert _run("sync", *pair, "--context", "inventory", "--remove") == 0
    assert "no longer recording writes to inventory_stockitem" in capsys.readouterr().out

"""``python -m strangler migrate retire``: the monolith's copy of tables a service owns, archived
and dropped, only once the service is proven to hold every row (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from strangler.__main__ import main
from strangler.migrate import retire as retiring
from strangler.migrate.handover import hand_over
from strangler.migrate.tests.conftest import (
    INSERT_STOCK,
    MakeDatabase,
    execute,
    query,
    stock_rows,
    stocked_pair,
)

TABLE = "inventory_stockitem"
MIGRATIONS = (
    "CREATE TABLE django_migrations "
    "(id integer PRIMARY KEY, app varchar(255), name varchar(255), applied timestamp)"
)


@pytest.fixture
def handed_over(make_database: MakeDatabase) -> tuple[str, str]:
    """The monolith's 40 rows, taken over by the service, which has written its own since."""
    source, target = stocked_pair(make_database, 40)
    assert hand_over(source, target, tables=[TABLE]).go
    execute(target, INSERT_STOCK, stock_rows(10**6, 10**6))  # an id of its own
    execute(target, f"UPDATE {TABLE} SET on_hand = 0 WHERE id = 3")
    return source, target


def _retire(source: str, target: str, archive: Path, *which: str) -> int:
    which = which or ("--table", TABLE)
    return main(
        ["migrate", "retire", "--source", source, "--target", target, *which,
         "--archive", str(archive)]
    )  # fmt: skip


def _tables(url: str) -> set[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    return {str(row[0]) for row in query(url, sql)}


def test_a_handed_over_table_is_archived_whole_then_dropped(
    handed_over: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = handed_over
    first = query(source, f"SELECT * FROM {TABLE} WHERE id = 1")[0]

    assert _retire(source, target, tmp_path / "archive") == 0

    assert TABLE not in _tables(source)
    assert query(target, f"SELECT COUNT(*) FROM {TABLE}") == [(41,)]  # the service's untouched
    path = tmp_path / "archive" / f"{TABLE}.jsonl.gz"
    with gzip.open(path, "rt") as archived:
        lines = archived.read().splitlines()
    assert json.loads(lines[0]) == ["id", "sku", "on_hand", "reserved", "updated_at"]
    assert len(lines) == 1 + 40
    assert json.loads(lines[1])[:4] == list(first)[:4]
    manifest = json.loads((tmp_path / "archive" / "retired.json").read_text())
    assert manifest["tables"][TABLE]["rows"] == 40
    assert manifest["tables"][TABLE]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "retired: described in" in capsys.readouterr().out


def test_a_column_the_service_added_since_the_hand_over_does_not_stop_the_retirement(
    handed_over: tuple[str, str], tmp_path: Path
) -> None:
    source, target = handed_over
    execute(target, f"ALTER TABLE {TABLE} ADD COLUMN origin varchar(20) DEFAULT 'service'")

    assert _retire(source, target, tmp_path / "archive") == 0

    assert TABLE not in _tables(source)


def test_a_column_of_the_monolith_the_service_lacks_is_refused(
    make_database: MakeDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = stocked_pair(make_database, 3)
    execute(source, f"ALTER TABLE {TABLE} ADD COLUMN note varchar(20) DEFAULT ''")

    assert _retire(source, target, tmp_path / "archive") == 2  # refused before anything

    assert "only in the source: note" in capsys.readouterr().err
    assert TABLE in _tables(source)


def test_a_row_the_monolith_wrote_after_the_hand_over_is_a_no_go_and_nothing_is_written(
    handed_over: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = handed_over
    execute(source, INSERT_STOCK, stock_rows(41, 42))

    assert _retire(source, target, tmp_path / "archive") == 1

    out = capsys.readouterr().out
    assert "NO-GO" in out and f"{TABLE}  2" in out
    assert query(source, f"SELECT COUNT(*) FROM {TABLE}") == [(42,)]
    assert not (tmp_path / "archive").exists()


def test_tables_the_service_never_took_over_are_refused(
    make_database: MakeDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = stocked_pair(make_database, 5)
    execute(target, INSERT_STOCK, stock_rows(1, 5))  # the same rows, but no hand-over recorded

    assert _retire(source, target, tmp_path / "archive") == 2

    assert "no record of taking these tables over" in capsys.readouterr().err
    assert TABLE in _tables(source)


def test_an_archive_folder_used_before_is_refused(
    handed_over: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "retired.json").write_text("{}")

    assert _retire(*handed_over, tmp_path / "archive") == 2

    assert "archive into a folder of its own" in capsys.readouterr().err
    assert TABLE in _tables(handed_over[0])


def test_a_whole_context_retired_forgets_its_migrations_and_a_second_run_has_nothing_to_do(
    handed_over: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--context inventory``: the tables the service took over; the monolith's own outbox of
    the context (another app, ``inventory_outbox``) stays, and so do its migrations."""
    source, target = handed_over
    execute(source, "CREATE TABLE inventory_outbox_outboxmessage (id integer PRIMARY KEY)")
    execute(source, MIGRATIONS)
    execute(
        source,
        "INSERT INTO django_migrations VALUES (?, ?, ?, ?)",
        [(1, "inventory", "0001_initial", "2026-01-01 10:00:00"),
         (2, "inventory_outbox", "0001_initial", "2026-01-01 10:00:00"),
         (3, "orders", "0001_initial", "2026-01-01 10:00:00")],
    )  # fmt: skip

    assert _retire(source, target, tmp_path / "first", "--context", "inventory") == 0
    assert "migrations of inventory forgotten (1)" in capsys.readouterr().out
    assert query(source, "SELECT app FROM django_migrations ORDER BY app") == [
        ("inventory_outbox",),
        ("orders",),
    ]
    assert TABLE not in _tables(source)
    assert "inventory_outbox_outboxmessage" in _tables(source)

    assert _retire(source, target, tmp_path / "second", "--context", "inventory") == 0
    assert "nothing to retire" in capsys.readouterr().out


def test_a_context_the_service_never_took_over_is_refused(
    make_database: MakeDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = stocked_pair(make_database, 5)

    assert _retire(source, target, tmp_path / "archive", "--context", "inventory") == 2

    assert "no record of taking over a table of 'inventory'" in capsys.readouterr().err
    assert TABLE in _tables(source)


def test_a_row_written_after_the_archive_was_made_stops_the_drop(
    handed_over: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The monolith still writing its table while the archive is made: the drop recounts the
    rows with writers shut out, and drops nothing that is not in the archive."""
    source, target = handed_over
    made = retiring._archive

    def archived_then_written(*args: Any) -> retiring.Archived:
        archived = made(*args)
        execute(source, INSERT_STOCK, stock_rows(41, 41))
        return archived

    monkeypatch.setattr(retiring, "_archive", archived_then_written)

    assert _retire(source, target, tmp_path / "archive") == 2

    assert "holds 41 rows, not the 40 archived" in capsys.readouterr().err
    assert query(source, f"SELECT COUNT(*) FROM {TABLE}") == [(41,)]

"""A service takes rows over under names of its own: another table, other column names, a
column the source lacks taking its default; copied, verified, recorded once."""

from __future__ import annotations

import pytest

from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import HANDED_OVER, hand_over
from strangler.migrate.plan import Move
from strangler.migrate.tests.conftest import MakeDatabase, execute, query

PEOPLE = (
    "CREATE TABLE people_person (id bigint PRIMARY KEY, email varchar(254) NOT NULL, "
    "full_name varchar(200) NOT NULL, secret varchar(128) NOT NULL)"
)
LOGINS = (
    "CREATE TABLE logins_login (person_id bigint PRIMARY KEY, email varchar(254) NOT NULL, "
    "secret varchar(128) NOT NULL, is_admin boolean NOT NULL DEFAULT false)"
)
MOVE = Move(
    table="logins_login",
    source_table="people_person",
    columns={"person_id": "id", "email": "email", "secret": "secret"},
)


def _pair(make_database: MakeDatabase, rows: int) -> tuple[str, str]:
    source, target = make_database(), make_database()
    execute(source, PEOPLE)
    execute(target, LOGINS)
    people: list[tuple[object, ...]] = [
        (i, f"p{i}@example.com", f"Person {i}", f"hash-{i}") for i in range(1, rows + 1)
    ]
    execute(source, "INSERT INTO people_person VALUES (?, ?, ?, ?)", people)
    return source, target


def test_the_rows_are_copied_under_the_targets_names_and_verified(
    make_database: MakeDatabase,
) -> None:
    source, target = _pair(make_database, 75)

    result = hand_over(source, target, moves=[MOVE], chunk_size=20)

    assert result.go and [(r.table, r.copied) for r in result.copied] == [("logins_login", 75)]
    assert query(target, "SELECT person_id, email, secret FROM logins_login ORDER BY 1") == (
        query(source, "SELECT id, email, secret FROM people_person ORDER BY 1")
    )
    assert {bool(row[0]) for row in query(target, "SELECT is_admin FROM logins_login")} == {False}
    assert query(target, f"SELECT table_name FROM {HANDED_OVER}") == [("logins_login",)]
    assert hand_over(source, target, moves=[MOVE]).since is not None


def test_a_changed_row_is_a_no_go_naming_its_key(make_database: MakeDatabase) -> None:
    source, target = _pair(make_database, 10)
    execute(target, "INSERT INTO logins_login (person_id, email, secret) VALUES (3, 'x', 'y')")

    result = hand_over(source, target, moves=[MOVE])

    assert not result.go
    assert result.verdicts[0].changed == [3]


def test_a_column_missing_on_either_side_is_refused_before_anything_is_written(
    make_database: MakeDatabase,
) -> None:
    source, target = _pair(make_database, 5)
    wrong = Move(table=MOVE.table, source_table=MOVE.source_table, columns={"person_id": "pk"})

    with pytest.raises(MigrateError, match=r"no such column people_person\.pk"):
        hand_over(source, target, moves=[wrong])
    assert query(target, "SELECT COUNT(*) FROM logins_login") == [(0,)]

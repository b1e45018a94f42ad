"""A service's first start copies and verifies its tables; a later one copies nothing."""

from __future__ import annotations

import pytest

from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import HANDED_OVER, database_url, hand_over
from strangler.migrate.tests.conftest import (
    INSERT_STOCK,
    MakeDatabase,
    execute,
    query,
    stock_rows,
    stocked_pair,
)

TABLES = ("inventory_stockitem",)
ALL = "SELECT id, sku, on_hand, reserved FROM inventory_stockitem ORDER BY id"


def test_the_first_start_copies_verifies_and_records_ownership(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 120)

    result = hand_over(source, target, tables=TABLES, chunk_size=50)

    assert result.since is None and result.go
    assert [(r.table, r.copied) for r in result.copied] == [("inventory_stockitem", 120)]
    assert query(target, ALL) == query(source, ALL)
    assert [row[0] for row in query(target, f"SELECT table_name FROM {HANDED_OVER}")] == [
        "inventory_stockitem"
    ]


def test_a_later_start_copies_nothing_though_the_monolith_wrote_again(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 30)
    hand_over(source, target, tables=TABLES)
    # the service takes writes of its own; the monolith (a learner back at stage 0) too
    execute(target, "UPDATE inventory_stockitem SET on_hand = 0 WHERE id = 1")
    execute(source, INSERT_STOCK, stock_rows(31, 40))
    services_own = query(target, ALL)

    again = hand_over(source, target, tables=TABLES)

    assert again.since is not None and again.copied == [] and again.verdicts == []
    assert query(target, ALL) == services_own


def test_a_no_go_records_nothing_so_the_next_start_tries_again(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 30)
    # a row only the target holds, above the source's keys: the copy cannot equal the source
    execute(target, INSERT_STOCK, stock_rows(500, 500))

    result = hand_over(source, target, tables=TABLES)

    assert not result.go
    assert HANDED_OVER not in {row[0] for row in query(target, _TABLES_SQL[_engine(target)])}


def test_a_missing_table_is_refused_before_anything_is_written(
    make_database: MakeDatabase,
) -> None:
    source, target = stocked_pair(make_database, 5)
    with pytest.raises(MigrateError, match="inventory_reservation: no such table"):
        hand_over(source, target, tables=(*TABLES, "inventory_reservation"))
    assert query(target, ALL) == []


MIGRATIONS = (
    "CREATE TABLE django_migrations (id integer PRIMARY KEY, app varchar(255), name varchar(255))"
)
APPLIED = "INSERT INTO django_migrations (id, app, name) VALUES (?, ?, ?)"


def test_a_monolith_database_that_never_held_the_context_hands_nothing_over(
    make_database: MakeDatabase,
) -> None:
    """Made from a tree that had retired the context: Django migrated other apps only."""
    source, target = make_database(), make_database()
    execute(source, MIGRATIONS)
    execute(source, APPLIED, [(1, "orders", "0001_initial")])

    result = hand_over(source, target, tables=(*TABLES, "inventory_reservation"))

    assert result.never_in_source
    assert (result.tables, result.copied, result.since) == (
        ("inventory_stockitem", "inventory_reservation"),
        [],
        None,
    )
    assert HANDED_OVER not in {row[0] for row in query(target, _TABLES_SQL[_engine(target)])}


def test_a_monolith_database_that_migrated_the_context_but_lacks_its_tables_is_refused(
    make_database: MakeDatabase,
) -> None:
    source, target = make_database(), make_database()
    execute(source, MIGRATIONS)
    execute(source, APPLIED, [(1, "inventory", "0001_initial")])

    with pytest.raises(MigrateError, match="inventory_stockitem: no such table"):
        hand_over(source, target, tables=TABLES)


def test_database_url_from_djangos_settings() -> None:
    assert database_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "/v/db.sqlite3"}) == (
        "sqlite:////v/db.sqlite3"
    )
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop_inventory",
        "USER": "postgres",
        "PASSWORD": "p@ss",
        "HOST": "127.0.0.1",
        "PORT": 5432,
    }
    assert database_url(config) == "postgres://postgres:p%40ss@127.0.0.1:5432/shop_inventory"
    with pytest.raises(MigrateError, match="no migrate URL"):
        database_url({"ENGINE": "django.db.backends.mysql", "NAME": "x"})


_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema()",
}


def _engine(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"

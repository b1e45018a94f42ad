"""Verify: counts and per-chunk checksums from each database; every differing key named."""

from __future__ import annotations

import pytest

from strangler.migrate.endpoints import open_endpoint
from strangler.migrate.plan import opened, plan
from strangler.migrate.tests.conftest import (
    INSERT_STOCK,
    STOCK_TABLE,
    MakeDatabase,
    execute,
    stock_rows,
)
from strangler.migrate.verify import TableVerdict, hashed_in_place, prepare, verify_table


@pytest.fixture
def copied(make_database: MakeDatabase) -> tuple[str, str]:
    source, target = make_database(), make_database()
    for url in (source, target):
        execute(url, STOCK_TABLE)
        execute(url, INSERT_STOCK, stock_rows(1, 95))
    return source, target


def _verify(source: str, target: str) -> TableVerdict:
    with opened(source, target, context="inventory", tables=["inventory_stockitem"]) as (
        here,
        there,
        (table,),
    ):
        prepare(here)
        prepare(there)
        return verify_table(here, there, table, chunk_size=20)


def test_an_equal_copy_is_a_go(copied: tuple[str, str]) -> None:
    endpoint = open_endpoint(copied[0], role="source")
    try:  # on PostgreSQL, these column types are hashed by value, not as text
        (table,) = plan(endpoint, endpoint, ["inventory_stockitem"])
        assert hashed_in_place(endpoint, table) == (endpoint.vendor == "postgresql")
    finally:
        endpoint.close()

    verdict = _verify(*copied)

    assert verdict.go
    assert (verdict.source_rows, verdict.target_rows, verdict.chunks) == (95, 95, 5)


def test_a_row_changed_behind_its_back_is_named(copied: tuple[str, str]) -> None:
    execute(copied[1], "UPDATE inventory_stockitem SET on_hand = on_hand + 1 WHERE id = 42")

    verdict = _verify(*copied)

    assert not verdict.go
    assert (verdict.changed, verdict.missing, verdict.extra) == ([42], [], [])
    assert verdict.differing_chunks == 1


def test_rows_missing_or_extra_on_the_target_are_named(copied: tuple[str, str]) -> None:
    execute(copied[1], "DELETE FROM inventory_stockitem WHERE id IN (3, 60)")
    execute(copied[1], INSERT_STOCK, stock_rows(500, 500))

    verdict = _verify(*copied)

    assert not verdict.go
    assert (verdict.missing, verdict.extra, verdict.changed) == ([3, 60], [500], [])
    assert (verdict.source_rows, verdict.target_rows) == (95, 94)


def test_a_column_postgresql_cannot_hash_by_value_falls_back_to_the_rows_text(
    copied: tuple[str, str],
) -> None:
    for url in copied:  # json has no hash function; its text is compared instead
        execute(url, "ALTER TABLE inventory_stockitem ADD COLUMN notes json")
        execute(url, """UPDATE inventory_stockitem SET notes = '{"bin": "A1"}'""")
    endpoint = open_endpoint(copied[0], role="source")
    try:
        (table,) = plan(endpoint, endpoint, ["inventory_stockitem"])
        assert not hashed_in_place(endpoint, table)
    finally:
        endpoint.close()
    assert _verify(*copied).go
    execute(copied[1], """UPDATE inventory_stockitem SET notes = '{"bin": "B2"}' WHERE id = 7""")

    verdict = _verify(*copied)

    assert (verdict.changed, verdict.differing_chunks) == ([7], 1)

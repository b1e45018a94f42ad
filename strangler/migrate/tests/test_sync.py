"""Sync: every write after the capture was installed reaches the target once, none lost."""

from __future__ import annotations

import random
import threading

import pytest

from strangler.migrate.backfill import backfill_table
from strangler.migrate.endpoints import open_endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.plan import opened
from strangler.migrate.sync import apply_changes, install, remove
from strangler.migrate.tests.conftest import (
    INSERT_STOCK,
    MakeDatabase,
    execute,
    query,
    stock_rows,
    stocked_pair,
)
from strangler.migrate.verify import prepare, verify_table

ALL = "SELECT id, sku, on_hand, reserved, updated_at FROM inventory_stockitem ORDER BY id"


@pytest.fixture
def pair(make_database: MakeDatabase) -> tuple[str, str]:
    return stocked_pair(make_database, 300)


def _step(step: str, source: str, target: str, **options: int) -> int:
    with opened(source, target, context="inventory", tables=["inventory_stockitem"]) as (
        here,
        there,
        (table,),
    ):
        if step == "install":
            install(here, [table])
        elif step == "backfill":
            backfill_table(here, there, table, chunk_size=options.get("chunk_size", 50))
        elif step == "sync":
            return apply_changes(here, there, [table], batch_size=25).changes
        elif step == "remove":
            remove(here, [table])
        return 0


def _equal(source: str, target: str) -> bool:
    with opened(source, target, context="inventory", tables=["inventory_stockitem"]) as (
        here,
        there,
        (table,),
    ):
        prepare(here)
        prepare(there)
        return verify_table(here, there, table, chunk_size=64).go


def test_writes_after_the_backfill_reach_the_target(pair: tuple[str, str]) -> None:
    source, target = pair
    _step("install", *pair)
    _step("backfill", *pair)
    execute(source, "UPDATE inventory_stockitem SET on_hand = 99 WHERE id IN (5, 250)")
    execute(source, "DELETE FROM inventory_stockitem WHERE id = 7")
    execute(source, INSERT_STOCK, stock_rows(301, 305))
    assert not _equal(*pair)

    applied = _step("sync", *pair)

    assert applied == 2 * 2 + 1 + 5  # an update records the old and the new key
    assert query(target, ALL) == query(source, ALL)
    assert _step("sync", *pair) == 0


def test_sync_before_the_backfill_finished_is_refused(pair: tuple[str, str]) -> None:
    _step("install", *pair)

    with pytest.raises(MigrateError, match="the backfill has not finished for inventory_stockitem"):
        _step("sync", *pair)


def test_sync_without_the_capture_is_refused(pair: tuple[str, str]) -> None:
    _step("backfill", *pair)

    with pytest.raises(MigrateError, match="no change capture in the source"):
        _step("sync", *pair)


def test_after_remove_writes_are_no_longer_recorded(pair: tuple[str, str]) -> None:
    _step("install", *pair)
    _step("remove", *pair)

    execute(pair[0], "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 1")

    endpoint = open_endpoint(pair[0], role="source")
    try:
        assert "strangler_migrate_change" not in endpoint.tables()
    finally:
        endpoint.close()


def _keep_writing(source: str, operations: int, seed: int) -> None:
    """Random inserts, updates and deletes, each its own transaction, as the monolith does."""
    chooser = random.Random(seed)
    endpoint = open_endpoint(source, role="writer")
    mark = endpoint.placeholder
    try:
        for n in range(operations):
            key = chooser.randint(1, 300)
            what = chooser.choice(("update", "update", "delete", "insert"))
            if what == "update":
                endpoint.connection.execute(
                    f"UPDATE inventory_stockitem SET on_hand = on_hand + 1 WHERE id = {mark}", [key]
                )
            elif what == "delete":
                endpoint.connection.execute(
                    f"DELETE FROM inventory_stockitem WHERE id = {mark}", [key]
                )
            else:
                endpoint.connection.execute(
                    f"INSERT INTO inventory_stockitem VALUES ({', '.join([mark] * 5)})",
                    stock_rows(1000 + n, 1000 + n)[0],
                )
    finally:
        endpoint.close()


def test_a_backfill_while_another_process_keeps_writing_ends_equal(
    pair: tuple[str, str],
) -> None:
    source, target = pair
    _step("install", *pair)
    writer = threading.Thread(target=_keep_writing, args=(source, 400, 14))
    writer.start()
    try:
        _step("backfill", *pair, chunk_size=10)
    finally:
        writer.join(timeout=120)
    assert not writer.is_alive()

    _step("sync", *pair)

    assert _equal(*pair)
    assert query(target, ALL) == query(source, ALL)

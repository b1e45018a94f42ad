"""``migrate flip`` and ``migrate rollback`` on SQLite and PostgreSQL.

The gateway here is a stand-in process that notes each SIGHUP it gets (the real gateway's
reload on SIGHUP is tested in gateway/tests); the route table is a real one, parsed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from strangler.__main__ import main
from strangler.migrate import routetable
from strangler.migrate.tests.conftest import MakeDatabase, execute, query, stocked_pair
from strangler.routing.table import load_route_table
from strangler.stages.state import ProcessState, StageState, start_time
from strangler.testing import eventually

ROUTES = """\
version: 1
upstreams:
  monolith:
    instances: ["127.0.0.1:{monolith}"]
  inventory:  # the extracted service
    instances: ["127.0.0.1:{inventory}"]
routes:
  - name: inventory
    prefix: /api/v1/inventory
    upstream: monolith   # moved by the flip
  - name: root
    prefix: /
    upstream: monolith
"""

RECORDER = """
import signal, sys, time
from pathlib import Path
log = Path(sys.argv[1])
signal.signal(signal.SIGHUP, lambda *_: log.open("a").write("HUP\\n"))
log.write_text("")
while True:
    time.sleep(0.05)
"""

ALL = "SELECT id, sku, on_hand, reserved FROM inventory_stockitem ORDER BY id"


class FakeGateway:
    def __init__(self, tmp: Path) -> None:
        self.log = tmp / "hups.log"
        self.process = subprocess.Popen([sys.executable, "-c", RECORDER, str(self.log)])
        eventually(self.log.exists, "the stand-in gateway started")

    @property
    def pid(self) -> int:
        return self.process.pid

    def reloads(self) -> int:
        return self.log.read_text().count("HUP")


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[FakeGateway]:
    running = FakeGateway(tmp_path)
    try:
        yield running
    finally:
        running.process.kill()
        running.process.wait(timeout=10)


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    path = tmp_path / "routes.yaml"
    path.write_text(ROUTES)
    return path


@pytest.fixture
def synced(make_database: MakeDatabase) -> tuple[str, str]:
    """Capture installed, backfilled, then one more monolith write recorded, not yet applied."""
    source, target = stocked_pair(make_database, 30)
    urls = ["--source", source, "--target", target, "--context", "inventory"]
    assert main(["migrate", "sync", *urls, "--install"]) == 0
    assert main(["migrate", "backfill", *urls]) == 0
    execute(source, "UPDATE inventory_stockitem SET on_hand = 99 WHERE id = 5")
    return source, target


def _move(command: str, pair: tuple[str, str], routes: Path, pid: int, *more: str) -> int:
    source, target = pair
    return main(
        ["migrate", command, "--source", source, "--target", target, "--context", "inventory",
         "--route", "/api/v1/inventory", "--table", str(routes), "--pid", str(pid), *more]
    )  # fmt: skip


def _upstream(routes: Path) -> str | None:
    return load_route_table(routes, {"monolith": 1, "inventory": 2}).route("inventory").upstream


def _refused(url: str, statement: str) -> str:
    with pytest.raises((sqlite3.Error, psycopg.Error)) as caught:
        execute(url, statement)
    return str(caught.value)


def test_flip_applies_the_last_writes_moves_the_route_and_locks_the_monolith(
    synced: tuple[str, str], routes: Path, gateway: FakeGateway
) -> None:
    source, target = synced

    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 0

    assert query(target, "SELECT on_hand FROM inventory_stockitem WHERE id = 5") == [(99,)]
    assert _upstream(routes) == "inventory"
    assert "# moved by the flip" in routes.read_text()  # the file was edited, not rewritten
    eventually(lambda: gateway.reloads() == 1, "the gateway told to reload")
    refusal = _refused(source, "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")
    assert "the inventory context's data is owned by inventory since the flip" in refusal
    assert "inventory_stockitem is read-only here" in refusal
    _refused(source, "DELETE FROM inventory_stockitem WHERE id = 3")
    _refused(source, "INSERT INTO inventory_stockitem VALUES (90, 'X', 1, 0, '2026-01-01')")
    execute(target, "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")  # the owner


def test_rollback_after_writes_on_the_service_side_loses_none(
    synced: tuple[str, str], routes: Path, gateway: FakeGateway
) -> None:
    source, target = synced
    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 0
    execute(target, "INSERT INTO inventory_stockitem VALUES (31, 'NEW', 4, 0, '2026-02-01')")
    execute(target, "UPDATE inventory_stockitem SET reserved = 2 WHERE id = 7")
    execute(target, "DELETE FROM inventory_stockitem WHERE id = 9")
    execute(target, "UPDATE inventory_stockitem SET on_hand = 0 WHERE id = 31")

    assert _move("rollback", synced, routes, gateway.pid) == 0

    assert query(source, ALL) == query(target, ALL)
    assert (31, "NEW", 0, 0) in query(source, ALL)
    assert query(source, "SELECT reserved FROM inventory_stockitem WHERE id = 7") == [(2,)]
    assert query(source, "SELECT id FROM inventory_stockitem WHERE id = 9") == []
    assert _upstream(routes) == "monolith"
    eventually(lambda: gateway.reloads() == 2, "the gateway told to reload twice")
    execute(source, "UPDATE inventory_stockitem SET on_hand = 5 WHERE id = 3")  # writable
    refusal = _refused(target, "UPDATE inventory_stockitem SET on_hand = 5 WHERE id = 3")
    assert "owned by monolith" in refusal


def test_flip_after_a_rollback_hands_the_data_over_again(
    synced: tuple[str, str], routes: Path, gateway: FakeGateway
) -> None:
    source, target = synced
    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 0
    assert _move("rollback", synced, routes, gateway.pid) == 0
    execute(source, "UPDATE inventory_stockitem SET on_hand = 42 WHERE id = 12")

    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 0

    assert query(target, "SELECT on_hand FROM inventory_stockitem WHERE id = 12") == [(42,)]
    execute(target, "UPDATE inventory_stockitem SET on_hand = 43 WHERE id = 12")
    assert _upstream(routes) == "inventory"


def test_a_copy_that_differs_is_a_no_go_and_nothing_is_flipped(
    synced: tuple[str, str],
    routes: Path,
    gateway: FakeGateway,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source, target = synced
    execute(target, "UPDATE inventory_stockitem SET sku = 'DRIFT' WHERE id = 20")  # not recorded

    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 1

    assert "NO-GO" in capsys.readouterr().out
    assert routes.read_text() == ROUTES
    assert gateway.reloads() == 0
    execute(source, "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")  # still writable


@pytest.mark.parametrize(
    ("change", "more", "says"),
    [
        ("route", ["--route", "/api/v1/stock"], "has no route with the prefix '/api/v1/stock'"),
        ("upstream", ["--to", "nope"], "has no upstream 'nope' (upstreams: inventory, monolith)"),
        ("table", ["--table", "/nonexistent/routes.yaml"], "cannot read the route table"),
        ("pid", ["--pid", "999999999"], "no process 999999999 (--pid)"),
    ],
)
def test_bad_input_is_a_clear_message_and_changes_nothing(
    synced: tuple[str, str],
    routes: Path,
    gateway: FakeGateway,
    capsys: pytest.CaptureFixture[str],
    change: str,
    more: list[str],
    says: str,
) -> None:
    source, target = synced
    argv = ["--to", "inventory", *more] if change != "upstream" else more

    assert _move("flip", synced, routes, gateway.pid, *argv) == 2

    assert says in capsys.readouterr().err
    assert routes.read_text() == ROUTES
    assert gateway.reloads() == 0
    execute(source, "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")  # writable
    assert query(target, "SELECT on_hand FROM inventory_stockitem WHERE id = 5") != [(99,)]


def test_rollback_of_a_context_never_flipped_is_refused(
    synced: tuple[str, str], routes: Path, gateway: FakeGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _move("rollback", synced, routes, gateway.pid) == 2

    assert "is not flipped (the monolith owns it): nothing to roll back" in capsys.readouterr().err
    assert routes.read_text() == ROUTES


def _flip_argv(source: str, target: str, routes: Path) -> list[str]:
    """A flip with no --pid."""
    urls = ["--source", source, "--target", target, "--context", "inventory"]
    return ["migrate", "flip", *urls, "--route", "/api/v1/inventory", "--table", str(routes),
            "--to", "inventory"]  # fmt: skip


def test_without_pid_the_gateway_is_the_one_the_stage_runner_started(
    synced: tuple[str, str],
    routes: Path,
    gateway: FakeGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRANGLER_VAR_DIR", str(tmp_path / "var"))
    source, target = synced
    argv = _flip_argv(source, target, routes)
    StageState(
        stage=3, tag="t", runner_pid=os.getpid(), runner_started=start_time(os.getpid()),
        var=str(tmp_path / "var"), ports={},
        processes=[ProcessState("gateway", gateway.pid, start_time(gateway.pid), None, "", "",
                                "", "")],
    ).write()  # fmt: skip

    assert main(argv) == 0

    eventually(lambda: gateway.reloads() == 1, "the state file's gateway told to reload")


def test_without_pid_or_a_running_stage_the_flip_is_refused(
    synced: tuple[str, str],
    routes: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STRANGLER_VAR_DIR", str(tmp_path / "no-stage"))
    source, target = synced
    argv = _flip_argv(source, target, routes)

    assert main(argv) == 2

    assert "no running gateway in the stage state file: pass --pid" in capsys.readouterr().err
    assert routes.read_text() == ROUTES
    execute(source, "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")  # writable


def test_a_flip_that_fails_half_way_leaves_the_monolith_writable(
    synced: tuple[str, str],
    routes: Path,
    gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_disk(change: routetable.Retarget) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(routetable, "write", full_disk)

    with pytest.raises(OSError, match="No space left"):
        _move("flip", synced, routes, gateway.pid, "--to", "inventory")

    execute(synced[0], "UPDATE inventory_stockitem SET on_hand = 1 WHERE id = 3")  # writable
    assert routes.read_text() == ROUTES and gateway.reloads() == 0
    monkeypatch.undo()
    assert _move("flip", synced, routes, gateway.pid, "--to", "inventory") == 0  # runs again


def test_only_moves_the_named_tables_of_a_context_whose_service_has_others(
    make_database: MakeDatabase, routes: Path, gateway: FakeGateway
) -> None:
    """The monolith's context has a table the service does not (an outbox of its own): the
    flip and the rollback move the named ones and leave that one writable."""
    source, target = stocked_pair(make_database, 10)
    execute(source, "CREATE TABLE inventory_outboxmessage (id integer PRIMARY KEY)")
    urls = ["--source", source, "--target", target, "--table", "inventory_stockitem"]
    assert main(["migrate", "sync", *urls, "--install"]) == 0
    assert main(["migrate", "backfill", *urls]) == 0
    pair = (source, target)
    only = ("--only", "inventory_stockitem")
    # without --only the context's outbox table, which the service lacks, is refused
    assert _move("flip", pair, routes, gateway.pid, "--to", "inventory") == 2

    assert _move("flip", pair, routes, gateway.pid, "--to", "inventory", *only) == 0
    _refused(source, "DELETE FROM inventory_stockitem WHERE id = 3")
    execute(source, "INSERT INTO inventory_outboxmessage VALUES (1)")  # not the service's

    assert _move("rollback", pair, routes, gateway.pid, *only) == 0
    execute(source, "DELETE FROM inventory_stockitem WHERE id = 3")
    assert _upstream(routes) == "monolith"

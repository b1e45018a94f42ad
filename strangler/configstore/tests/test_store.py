"""The store's behaviour, the same on etcd and on files (``store`` runs each test on both)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.configstore.connect import open_store
from strangler.configstore.etcd import EtcdStore
from strangler.configstore.files import FileStore
from strangler.configstore.store import (
    ConfigConflict,
    ConfigStore,
    Scalar,
    Snapshot,
)
from strangler.configstore.tests.conftest import Watching
from strangler.testing import eventually

Watch = Callable[[ConfigStore, str, int], Watching]


def test_a_service_never_written_reads_as_revision_0_with_no_values(store: ConfigStore) -> None:
    assert store.read("monolith") == Snapshot(0, {})
    assert store.history("monolith") == []


def test_applied_values_are_read_back_with_their_types(store: ConfigStore) -> None:
    values: dict[str, Scalar] = {
        "TIMEOUT": 2.0,
        "FAILURES": 5,
        "ENABLED": True,
        "MODE": "strict",
        "ZERO": 0.0,
    }
    revision = store.apply("monolith", values, author="ada", source="test")
    snapshot = store.read("monolith")
    assert snapshot == Snapshot(revision, values)
    assert [type(snapshot.values[name]) for name in values] == [float, int, bool, str, float]
    assert revision > 0


def test_each_apply_gets_a_greater_revision_and_none_deletes(store: ConfigStore) -> None:
    first = store.apply("monolith", {"A": 1, "B": 2}, author="ada", source="test")
    second = store.apply("monolith", {"A": None, "B": 3}, author="ada", source="test")
    assert second > first
    assert store.read("monolith") == Snapshot(second, {"B": 3})


def test_each_apply_records_one_audit_entry_with_old_and_new(store: ConfigStore) -> None:
    first = store.apply("monolith", {"A": 1, "B": 2.5}, author="ada", source="git:abc123")
    second = store.apply("monolith", {"A": None, "B": 3.5, "C": True}, author="bob", source="s")
    newest, oldest = store.history("monolith")
    assert (newest.revision, newest.author, newest.source) == (second, "bob", "s")
    assert newest.changes == {"A": (1, None), "B": (2.5, 3.5), "C": (None, True)}
    assert (oldest.revision, oldest.author, oldest.source) == (first, "ada", "git:abc123")
    assert oldest.changes == {"A": (None, 1), "B": (None, 2.5)}
    assert newest.at.endswith("Z")  # ISO 8601, UTC
    assert abs(datetime.now(UTC) - datetime.fromisoformat(newest.at)) < timedelta(minutes=5)


def test_history_of_one_setting_lists_only_the_entries_that_touch_it(store: ConfigStore) -> None:
    first = store.apply("monolith", {"A": 1, "B": 1}, author="ada", source="test")
    store.apply("monolith", {"B": 2}, author="ada", source="test")
    third = store.apply("monolith", {"A": 3}, author="ada", source="test")
    assert [entry.revision for entry in store.history("monolith", "A")] == [third, first]
    assert store.history("monolith", "NEVER_SET") == []


def test_a_change_that_alters_nothing_writes_nothing(store: ConfigStore) -> None:
    revision = store.apply("monolith", {"A": 1}, author="ada", source="test")
    assert store.apply("monolith", {"A": 1, "ABSENT": None}, author="bob", source="x") == revision
    assert len(store.history("monolith")) == 1
    # a value of another type is a change: 1 is not 1.0 nor True
    changed = store.apply("monolith", {"A": 1.0}, author="bob", source="x")
    assert changed > revision
    assert store.read("monolith").values == {"A": 1.0}


def test_an_apply_based_on_an_old_revision_is_refused_and_writes_nothing(
    store: ConfigStore,
) -> None:
    seen = store.apply("monolith", {"A": 1}, author="ada", source="test")
    newer = store.apply("monolith", {"A": 2}, author="bob", source="test")
    with pytest.raises(ConfigConflict, match="changed since revision"):
        store.apply("monolith", {"A": 3}, author="ada", source="test", expected_revision=seen)
    assert store.read("monolith") == Snapshot(newer, {"A": 2})
    assert len(store.history("monolith")) == 2
    # based on the current revision, it goes through
    assert store.apply("monolith", {"A": 3}, author="ada", source="t", expected_revision=newer)


def test_another_service_s_changes_do_not_conflict(store: ConfigStore) -> None:
    seen = store.apply("monolith", {"A": 1}, author="ada", source="test")
    store.apply("inventory", {"A": 9}, author="bob", source="test")
    assert store.read("monolith") == Snapshot(seen, {"A": 1})
    store.apply("monolith", {"A": 2}, author="ada", source="test", expected_revision=seen)
    assert store.read("inventory").values == {"A": 9}


def test_concurrent_writers_each_land_once(store_url: str) -> None:
    def write(n: int) -> None:
        open_store(store_url).apply("monolith", {f"K{n}": n}, author=f"w{n}", source="test")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    store = open_store(store_url)
    assert store.read("monolith").values == {f"K{n}": n for n in range(6)}
    history = store.history("monolith")
    assert sorted(entry.author for entry in history) == [f"w{n}" for n in range(6)]
    assert len({entry.revision for entry in history}) == 6


@pytest.mark.parametrize(
    ("service", "changes", "message"),
    [
        ("monolith", {"lower": 1}, "bad setting name"),
        ("monolith", {"A": [1, 2]}, "not an int"),
        ("monolith", {"A": {"B": 1}}, "not an int"),
        ("monolith", {"A": float("nan")}, "finite"),
        ("../etc", {"A": 1}, "bad service name"),
    ],
)
def test_bad_names_and_values_are_refused(
    store: ConfigStore, service: str, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        store.apply(service, changes, author="ada", source="test")  # type: ignore[arg-type]


def test_watch_sees_a_change_made_by_another_client(store_url: str, watching: Watch) -> None:
    store, other = open_store(store_url), open_store(store_url)
    start = store.apply("monolith", {"A": 1}, author="ada", source="test")
    watch = watching(store, "monolith", start)
    revision = other.apply("monolith", {"A": 2, "B": True}, author="bob", source="test")
    eventually(
        watch.saw(lambda s: s == Snapshot(revision, {"A": 2, "B": True})), "the change watched"
    )
    assert all(snapshot.revision > start for snapshot in watch.snapshots)


def test_watch_sees_a_change_made_by_another_process(store_url: str, watching: Watch) -> None:
    store = open_store(store_url)
    watch = watching(store, "monolith", store.read("monolith").revision)
    code = (
        "import sys; from strangler.configstore import open_store; "
        "print(open_store(sys.argv[1]).apply('monolith', {'A': 7}, author='p', source='p'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, store_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    revision = int(done.stdout)
    eventually(watch.saw(lambda s: s == Snapshot(revision, {"A": 7})), "the other process's change")


def test_watch_delivers_what_changed_after_its_revision_before_it_started(
    store: ConfigStore, watching: Watch
) -> None:
    start = store.apply("monolith", {"A": 1}, author="ada", source="test")
    latest = store.apply("monolith", {"A": 2}, author="ada", source="test")
    watch = watching(store, "monolith", start)
    eventually(watch.saw(lambda s: s == Snapshot(latest, {"A": 2})), "the missed change")


def test_watch_sees_a_deletion(store: ConfigStore, watching: Watch) -> None:
    start = store.apply("monolith", {"A": 1, "B": 2}, author="ada", source="test")
    watch = watching(store, "monolith", start)
    revision = store.apply("monolith", {"A": None}, author="ada", source="test")
    eventually(watch.saw(lambda s: s == Snapshot(revision, {"B": 2})), "the deletion watched")


def test_watch_returns_promptly_after_stop(store: ConfigStore) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=store.watch, args=("monolith", 0, lambda s: None, stop))
    thread.start()
    time.sleep(0.3)  # into its wait for events (nothing to poll for: it delivers nothing)
    stopped = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - stopped < 1.2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("etcd://10.0.0.5:2379", "etcd://10.0.0.5:2379/strangler"),
        ("etcd://etcd", "etcd://etcd:2379/strangler"),
        ("etcd://etcd:2380/shop/config-a/", "etcd://etcd:2380/shop/config-a"),
    ],
)
def test_an_etcd_url_names_the_host_port_and_prefix(url: str, expected: str) -> None:
    store = open_store(url)
    assert isinstance(store, EtcdStore) and store.url == expected


def test_a_file_url_names_an_absolute_folder(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}/config")
    assert isinstance(store, FileStore) and store.directory == tmp_path / "config"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://localhost:6379", "unknown scheme"),
        ("localhost:2379", "unknown scheme"),
        ("", "unknown scheme"),
        ("file://var/config", "file:///absolute/dir"),
        ("etcd://:2379", "no host"),
        ("etcd://etcd:port", "bad port"),
    ],
)
def test_other_urls_are_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)

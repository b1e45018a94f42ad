"""What is particular to etcd: its keys and revisions, its gateway, restarts, compaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strangler.configstore.connect import open_store
from strangler.configstore.etcd import EtcdStore
from strangler.configstore.store import ConfigStore, ConfigStoreError, Snapshot
from strangler.configstore.tests.conftest import EtcdServer, Watching
from strangler.testing import eventually

Watch = Callable[[ConfigStore, str, int], Watching]


@pytest.fixture
def etcd(etcd_server: EtcdServer) -> EtcdStore:
    store = open_store(f"{etcd_server.url}/test-{uuid.uuid4().hex[:10]}")
    assert isinstance(store, EtcdStore)
    return store


def test_values_and_audit_entries_are_json_under_the_prefix(etcd: EtcdStore) -> None:
    revision = etcd.apply("monolith", {"A": 1, "B": "x"}, author="ada", source="git:abc")
    raw = {
        meta["key"].decode(): value.decode()
        for value, meta in etcd.client.get_prefix(etcd.prefix + "/")
    }
    audit_key = f"{etcd.prefix}/audit/monolith/{revision:020d}"
    assert sorted(raw) == [audit_key, f"{etcd.prefix}/config/monolith/A",
                           f"{etcd.prefix}/config/monolith/B"]  # fmt: skip
    assert json.loads(raw[f"{etcd.prefix}/config/monolith/A"]) == 1
    assert json.loads(raw[f"{etcd.prefix}/config/monolith/B"]) == "x"
    entry = json.loads(raw[audit_key])
    assert entry["author"] == "ada" and entry["source"] == "git:abc"
    assert entry["changes"] == {"A": [None, 1], "B": [None, "x"]}


def test_a_service_s_revision_is_etcd_s_revision_of_its_last_change(etcd: EtcdStore) -> None:
    revision = etcd.apply("monolith", {"A": 1}, author="ada", source="test")
    header = etcd.client.status()["header"]
    assert revision == int(header["revision"])
    etcd.client.put(f"{etcd.prefix}/elsewhere", "moves the store's revision, not the service's")
    assert etcd.read("monolith").revision == revision
    deleted = etcd.apply("monolith", {"A": None}, author="ada", source="test")
    assert etcd.read("monolith") == Snapshot(deleted, {})  # the audit entry carries it


def test_the_gateway_path_is_found_from_the_version(etcd: EtcdStore) -> None:
    etcd.read("monolith")
    assert etcd.client.api_path == "/v3/"  # etcd 3.4 on; 3.3 had only /v3beta/


def test_a_watch_from_a_compacted_revision_catches_up_from_a_read(
    etcd: EtcdStore, watching: Watch
) -> None:
    start = etcd.apply("monolith", {"A": 1}, author="ada", source="test")
    latest = etcd.apply("monolith", {"A": 2}, author="ada", source="test")
    etcd.client.post(etcd.client.get_url("/kv/compaction"), json={"revision": str(latest)})
    watch = watching(etcd, "monolith", start)  # start + 1 is compacted: etcd cancels the watch
    eventually(watch.saw(lambda s: s == Snapshot(latest, {"A": 2})), "the snapshot after it")
    following = etcd.apply("monolith", {"A": 3}, author="ada", source="test")
    eventually(watch.saw(lambda s: s.revision == following), "the watch going on")


@pytest.fixture
def own_etcd(tmp_path: Path) -> Iterator[EtcdServer]:
    server = EtcdServer(tmp_path / "etcd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_watch_survives_an_etcd_restart(own_etcd: EtcdServer, watching: Watch) -> None:
    store = open_store(own_etcd.url)
    start = store.apply("monolith", {"A": 1}, author="ada", source="test")
    watch = watching(store, "monolith", start)
    before = store.apply("monolith", {"A": 2}, author="ada", source="test")
    eventually(watch.saw(lambda s: s.revision == before), "the change before the restart")

    own_etcd.stop()
    own_etcd.start()  # the same data and ports
    after = store.apply("monolith", {"A": 3}, author="ada", source="test")
    eventually(
        watch.saw(lambda s: s == Snapshot(after, {"A": 3})), "the change after it", deadline=30
    )

    own_etcd.stop()  # and a change made while the watch was away is caught up on
    own_etcd.start()
    caught_up = open_store(own_etcd.url).apply("monolith", {"A": 4}, author="b", source="t")
    eventually(watch.saw(lambda s: s.revision == caught_up), "the change", deadline=30)


def test_an_unreachable_etcd_is_a_config_store_error_naming_it(tmp_path: Path) -> None:
    server = EtcdServer(tmp_path / "never-started")
    store = open_store(server.url)
    with pytest.raises(
        ConfigStoreError, match=f"config store {server.url}/strangler is out of reach"
    ):
        store.read("monolith")


def test_a_request_etcd_refuses_is_an_error_in_its_words(etcd: EtcdStore) -> None:
    too_many = {f"S{n}": n for n in range(200)}  # etcd allows 128 operations in a transaction
    with pytest.raises(ConfigStoreError, match="refused: etcdserver: too many operations"):
        etcd.apply("monolith", too_many, author="ada", source="test")
    assert etcd.read("monolith") == Snapshot(0, {})

"""A real etcd on free loopback ports, and the stores the behaviour tests run against.

``store_url`` is parametrized over etcd (a prefix of its own per test on one etcd per
session) and the file store (a folder of its own per test), so each behaviour test runs on
both. etcd missing is a failure, not a skip: ``apt-get install etcd-server`` (CI does).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strangler.configstore.connect import open_store
from strangler.configstore.store import ConfigStore, Snapshot
from strangler.stages.processes import free_port
from strangler.testing import ServerProcess


def etcd_binary() -> str:
    found = shutil.which("etcd") or (
        "/usr/bin/etcd" if os.access("/usr/bin/etcd", os.X_OK) else None
    )
    if found is None:
        pytest.fail("etcd is not installed: apt-get install etcd-server (CI installs it)")
    return found


class EtcdServer:
    """One etcd member on loopback, its data in ``data_dir``: started, stopped and started
    again on the same ports and data (a restart), stopped by pid."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.client_port, self.peer_port = free_port(), free_port()
        self.process = ServerProcess(
            f"etcd on port {self.client_port}", data_dir.with_suffix(".log")
        )

    @property
    def url(self) -> str:
        return f"etcd://127.0.0.1:{self.client_port}"

    def healthy(self) -> bool:
        url = f"http://127.0.0.1:{self.client_port}/health"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(json.load(response).get("health") == "true")
        except (OSError, ValueError):
            return False

    def start(self, deadline: float = 30.0) -> None:
        client = f"http://127.0.0.1:{self.client_port}"
        peer = f"http://127.0.0.1:{self.peer_port}"
        argv = [
            etcd_binary(), "--name", "configstore-test", "--data-dir", str(self.data_dir),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"configstore-test={peer}",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD")}
        self.process.start(argv, env, self.healthy, deadline)

    def stop(self) -> None:
        self.process.stop()


@pytest.fixture(scope="session")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    server = EtcdServer(tmp_path_factory.mktemp("etcd") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["etcd", "files"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "etcd":
        server: EtcdServer = request.getfixturevalue("etcd_server")
        return f"{server.url}/test-{uuid.uuid4().hex[:10]}"
    return f"file://{tmp_path / 'store'}"


@pytest.fixture
def store(store_url: str) -> ConfigStore:
    return open_store(store_url)


class Watching:
    """``store.watch`` on a thread, keeping every snapshot it delivers."""

    def __init__(self, store: ConfigStore, service: str, after_revision: int) -> None:
        self.snapshots: list[Snapshot] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=store.watch,
            args=(service, after_revision, self.snapshots.append, self.stop),
            daemon=True,
        )
        self.thread.start()

    def saw(self, check: Callable[[Snapshot], bool]) -> Callable[[], bool]:
        return lambda: any(check(snapshot) for snapshot in list(self.snapshots))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the watch did not return after stop"


@pytest.fixture
def watching() -> Iterator[Callable[[ConfigStore, str, int], Watching]]:
    started: list[Watching] = []

    def start(store: ConfigStore, service: str, after_revision: int) -> Watching:
        started.append(Watching(store, service, after_revision))
        return started[-1]

    yield start
    for watch in started:
        watch.close()

"""The secret store's behaviour, the same on OpenBao and on the embedded files."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from strangler.config import env
from strangler.secretstore.connect import open_secret_store
from strangler.secretstore.files import FileSecretStore
from strangler.secretstore.store import (
    SecretConflict,
    SecretNotFound,
    SecretStore,
    SecretStoreError,
)
from strangler.secretstore.testing import OpenBaoServer

VALUE = "s3cr3t-value-never-shown"


def test_a_first_write_is_version_one_and_reads_back(secret_store: SecretStore, path: str) -> None:
    assert secret_store.write(path, {"key": VALUE}, expected_version=0) == 1

    secret = secret_store.read(path)

    assert (secret.version, secret.data) == (1, {"key": VALUE})
    assert secret.created.tzinfo is not None
    assert VALUE not in repr(secret)


def test_each_write_adds_a_version_and_old_ones_stay_readable(
    secret_store: SecretStore, path: str
) -> None:
    secret_store.write(path, {"key": "one"}, expected_version=0)
    secret_store.write(path, {"key": "two"}, expected_version=1)

    assert secret_store.read(path).data == {"key": "two"}
    assert secret_store.read(path, version=1).data == {"key": "one"}
    infos = secret_store.versions(path)
    assert [info.version for info in infos] == [1, 2]
    assert infos[0].created <= infos[1].created


def test_a_write_on_a_stale_version_is_a_conflict(secret_store: SecretStore, path: str) -> None:
    secret_store.write(path, {"key": "one"}, expected_version=0)
    secret_store.write(path, {"key": "two"}, expected_version=1)

    with pytest.raises(SecretConflict, match=path) as caught:
        secret_store.write(path, {"key": VALUE}, expected_version=1)
    with pytest.raises(SecretConflict):
        secret_store.write(path, {"key": VALUE}, expected_version=0)  # 0: must not exist

    assert VALUE not in str(caught.value)
    assert secret_store.read(path).version == 2


def test_two_racing_first_writes_make_one_version(secret_store: SecretStore, path: str) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def write() -> None:
        barrier.wait()
        try:
            secret_store.write(path, {"key": "mine"}, expected_version=0)
            outcomes.append("wrote")
        except SecretConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict"] * 3 + ["wrote"]
    assert [info.version for info in secret_store.versions(path)] == [1]


def test_a_missing_path_or_version_is_not_found_naming_the_store_and_path(
    secret_store: SecretStore, path: str
) -> None:
    assert secret_store.versions(path) == []
    with pytest.raises(SecretNotFound, match=path) as caught:
        secret_store.read(path)
    assert secret_store.url.split("://")[0] in str(caught.value)

    secret_store.write(path, {"key": "one"}, expected_version=0)
    with pytest.raises(SecretNotFound):
        secret_store.read(path, version=7)


def test_bad_paths_and_data_are_refused(secret_store: SecretStore) -> None:
    for bad in ("", "/abs", "../up", "Upper/case", "a//b"):
        with pytest.raises(ValueError):
            secret_store.read(bad)
    with pytest.raises(ValueError):
        secret_store.write("ok/path", {}, expected_version=0)


def test_file_store_keeps_versions_private(tmp_path: Path) -> None:
    store = FileSecretStore(tmp_path / "secrets")
    store.write("shop/thing", {"key": VALUE}, expected_version=0)

    folder = tmp_path / "secrets" / "shop" / "thing"
    assert stat.S_IMODE(os.stat(folder / "1.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "secrets").st_mode) == 0o700
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_a_denied_token_is_one_clear_error_without_the_token(
    openbao: OpenBaoServer, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setenv("SECRET_STORE_TOKEN", "not-the-token")
    store = open_secret_store(openbao.url)

    with pytest.raises(SecretStoreError, match="permission denied") as caught:
        store.read(path)

    assert path in str(caught.value) and openbao.url in str(caught.value)
    assert "not-the-token" not in str(caught.value)


def test_an_unreachable_store_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from strangler.stages.processes import free_port

    monkeypatch.setenv("SECRET_STORE_TOKEN", "whatever")
    store = open_secret_store(f"bao://127.0.0.1:{free_port()}")

    with pytest.raises(SecretStoreError, match="out of reach") as caught:
        store.read("shop/jwt-signing")
    assert "shop/jwt-signing" in str(caught.value)


def test_the_token_can_come_from_a_file(
    openbao: OpenBaoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, path: str
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(openbao.token + "\n")
    monkeypatch.setattr(env.ENVIRON, "files_cache", {})
    monkeypatch.delenv("SECRET_STORE_TOKEN", raising=False)
    monkeypatch.setenv("SECRET_STORE_TOKEN_FILE", str(token_file))

    store = open_secret_store(openbao.url)

    assert store.write(path, {"key": "one"}, expected_version=0) == 1


def test_urls_without_a_token_or_with_an_unknown_scheme_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(env.ENVIRON, "files_cache", {})
    monkeypatch.delenv("SECRET_STORE_TOKEN", raising=False)
    monkeypatch.delenv("SECRET_STORE_TOKEN_FILE", raising=False)
    with pytest.raises(ValueError, match="SECRET_STORE_TOKEN"):
        open_secret_store("bao://127.0.0.1:8200")
    for bad in ("vault://x", "file://relative/dir", "bao://:8200"):
        with pytest.raises(ValueError):
            open_secret_store(bad)

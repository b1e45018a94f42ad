"""A real OpenBao per session, and the stores the behaviour tests run against.

``secret_store`` is parametrized over OpenBao (a KV engine of its own per test) and the
file store (a folder of its own per test), so each behaviour test runs on both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler.secretstore.connect import open_secret_store
from strangler.secretstore.store import SecretStore
from strangler.secretstore.testing import OpenBaoServer


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBaoServer]:
    server = OpenBaoServer(tmp_path_factory.mktemp("openbao"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bao_store(
    openbao: OpenBaoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> SecretStore:
    """A KV engine of the test's own on the session's OpenBao, read with the operator's (root)
    token; the services' tokens ``secrets init`` issues go to the test's own var folder."""
    monkeypatch.setenv("SECRET_STORE_TOKEN", openbao.token)
    monkeypatch.setenv("STRANGLER_VAR_DIR", str(tmp_path / "var"))
    return open_secret_store(openbao.new_mount())


@pytest.fixture(params=["openbao", "files"])
def secret_store(request: pytest.FixtureRequest, tmp_path: Path) -> SecretStore:
    if request.param == "openbao":
        store: SecretStore = request.getfixturevalue("bao_store")
        return store
    return open_secret_store(f"file://{tmp_path / 'secrets'}")


@pytest.fixture
def path() -> str:
    """A path of the test's own."""
    return f"test-{uuid.uuid4().hex[:10]}/thing"

"""On a real OpenBao, ``secrets init`` gives each service a token of its own that reads its own
``SECRET_KEY`` and the public JWT keys, identity's the private signing keys too, and nothing
else: no other service's secret, no write. The tokens are files only their owner reads."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from strangler.config import secret_store_token_file, var_root
from strangler.secretstore.access import ISSUER, policy_document
from strangler.secretstore.cli import main, services
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import OpenBaoStore
from strangler.secretstore.store import SecretStore, SecretStoreError
from strangler.secretstore.testing import OpenBaoServer


def as_service(openbao: OpenBaoServer, store: SecretStore, service: str) -> OpenBaoStore:
    """The store as ``service``'s processes see it: with the token ``init`` left for it."""
    assert isinstance(store, OpenBaoStore)
    token = secret_store_token_file(var_root(), service).read_text().strip()
    return OpenBaoStore(openbao.address, token, mount=store.mount)


def readable(store: SecretStore, path: str) -> bool:
    try:
        store.read(path)
        store.versions(path)
    except SecretStoreError as exc:
        assert "permission denied" in str(exc)
        return False
    return True


@pytest.fixture
def initialised(bao_store: SecretStore, capsys: pytest.CaptureFixture[str]) -> SecretStore:
    assert main(["init", "--store", bao_store.url]) == 0
    out = capsys.readouterr().out
    assert all(f"shop-{bao_store.url.rsplit('/', 1)[-1]}-{name}" in out for name in services())
    return bao_store


def test_each_service_reads_its_own_secret_key_and_the_public_keys_only(
    openbao: OpenBaoServer, initialised: SecretStore
) -> None:
    for service in services():
        own = as_service(openbao, initialised, service)
        assert readable(own, secret_key_path(service)) and readable(own, JWT_VERIFYING_PATH)
        assert readable(own, JWT_SIGNING_PATH) is (service == ISSUER)
        others = [name for name in services() if name != service]
        assert not any(readable(own, secret_key_path(name)) for name in others)


def test_no_service_token_may_write_a_secret(
    openbao: OpenBaoServer, initialised: SecretStore
) -> None:
    own = as_service(openbao, initialised, ISSUER)
    for path in (JWT_SIGNING_PATH, JWT_VERIFYING_PATH, secret_key_path(ISSUER)):
        with pytest.raises(SecretStoreError, match="permission denied"):
            own.write(path, {"anything": "x"}, expected_version=1)


def test_the_token_files_are_the_owners_alone_and_a_second_init_replaces_them(
    openbao: OpenBaoServer, initialised: SecretStore
) -> None:
    files = {name: secret_store_token_file(var_root(), name) for name in services()}
    first = {name: path.read_text() for name, path in files.items()}
    assert main(["init", "--store", initialised.url]) == 0

    for name, path in files.items():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() != first[name]
        assert readable(as_service(openbao, initialised, name), secret_key_path(name))
    assert not [p.name for p in Path(files["monolith"]).parent.iterdir() if p.suffix == ".tmp"]


def test_a_policy_grants_read_on_the_value_and_its_versions_and_nothing_else() -> None:
    document = policy_document("secret", ["shop/django-secret-key/monolith"])

    assert document.count('capabilities = ["read"]') == 2
    assert 'path "secret/data/shop/django-secret-key/monolith"' in document
    assert 'path "secret/metadata/shop/django-secret-key/monolith"' in document
    assert "*" not in document

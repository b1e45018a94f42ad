"""On a real OpenBao, ``secrets init`` gives each service an AppRole of its own whose logins read
its own ``SECRET_KEY`` and the public JWT keys, identity's the private signing keys too, and
nothing else: no other service's secret, no write. The logins are files only their owner reads;
a second ``init`` replaces them, a copy of an old one no longer logs in, and a process logs in
again with the file's new one once its token is refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from strangler.config import secret_store_login_file, var_root
from strangler.secretstore.access import ISSUER, policy_document
from strangler.secretstore.cli import main, services
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import AppRoleLogin, OpenBaoStore
from strangler.secretstore.store import SecretStore, SecretStoreError
from strangler.secretstore.testing import OpenBaoServer, readable


def login_of(service: str) -> AppRoleLogin:
    return AppRoleLogin.from_json(secret_store_login_file(var_root(), service).read_text())


def as_service(openbao: OpenBaoServer, store: SecretStore, service: str) -> OpenBaoStore:
    """The store as ``service``'s processes see it: logging in with what ``init`` left it."""
    assert isinstance(store, OpenBaoStore)
    return OpenBaoStore(openbao.address, mount=store.mount, login=lambda: login_of(service))


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


def test_no_service_may_write_a_secret(openbao: OpenBaoServer, initialised: SecretStore) -> None:
    own = as_service(openbao, initialised, ISSUER)
    for path in (JWT_SIGNING_PATH, JWT_VERIFYING_PATH, secret_key_path(ISSUER)):
        with pytest.raises(SecretStoreError, match="permission denied"):
            own.write(path, {"anything": "x"}, expected_version=1)


def test_the_login_files_are_the_owners_alone_and_a_second_init_replaces_them(
    openbao: OpenBaoServer, initialised: SecretStore
) -> None:
    files = {name: secret_store_login_file(var_root(), name) for name in services()}
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


def test_after_a_second_init_an_old_login_is_refused_and_a_process_logs_in_with_the_new_one(
    openbao: OpenBaoServer, initialised: SecretStore
) -> None:
    """A running process holds a token from the old login; refused once it expires (revoked
    here, to see it now), it logs in again with what its file holds: the new secret id."""
    old = login_of("monolith")
    running = as_service(openbao, initialised, "monolith")
    assert readable(running, secret_key_path("monolith"))
    assert main(["init", "--store", initialised.url]) == 0

    copied = OpenBaoStore(openbao.address, mount=running.mount, login=lambda: old)
    with pytest.raises(SecretStoreError, match="invalid role or secret ID"):
        copied.read(JWT_VERIFYING_PATH)
    running._client.auth.token.revoke_self()
    assert readable(running, secret_key_path("monolith"))


def test_a_login_that_is_not_one_is_a_clear_error_without_its_text(
    openbao: OpenBaoServer, initialised: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nor does a process that logs in fall back on a token of the environment's."""
    monkeypatch.setenv("VAULT_TOKEN", openbao.token)

    def garbled() -> AppRoleLogin:
        return AppRoleLogin.from_json('{"role_id": "r", "secret": "s3cr3t"}')

    store = OpenBaoStore(openbao.address, login=garbled)
    with pytest.raises(SecretStoreError) as raised:
        store.read(JWT_VERIFYING_PATH)
    assert "SECRET_STORE_APPROLE is not" in str(raised.value)
    assert "s3cr3t" not in str(raised.value)

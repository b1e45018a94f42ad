"""``python -m strangler secrets``: init seeds once (also when two run at once), rotate adds
a version, list and versions show states, never a value; bad input exits non-zero."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import hvac
import pytest

from strangler.config import REPO_ROOT
from strangler.secretstore.cli import main, services
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import (
    FIELD,
    JWT_SIGNING_PATH,
    JWT_VERIFYING_PATH,
    PUBLIC_FIELD,
    new_private_key_pem,
    public_pem_of,
)
from strangler.secretstore.openbao import OpenBaoStore
from strangler.secretstore.store import SecretStore
from strangler.secretstore.testing import OpenBaoServer


def values(store: SecretStore) -> list[str]:
    paths = [JWT_SIGNING_PATH, *(secret_key_path(name) for name in services())]
    return [
        value
        for path in paths
        for info in store.versions(path)
        for value in store.read(path, info.version).data.values()
    ]


def test_init_seeds_every_secret_once(
    secret_store: SecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--store", secret_store.url]) == 0
    assert main(["init", "--store", secret_store.url]) == 0

    assert [i.version for i in secret_store.versions(JWT_SIGNING_PATH)] == [1]
    for name in services():
        assert [i.version for i in secret_store.versions(secret_key_path(name))] == [1]
    assert "kept" in capsys.readouterr().out


def test_two_inits_at_once_write_each_secret_once(tmp_path: Path) -> None:
    url = f"file://{tmp_path / 'secrets'}"
    env = {**os.environ, "STRANGLER_VAR_DIR": str(tmp_path)}
    argv = [sys.executable, "-m", "strangler", "secrets", "init", "--store", url]
    runs = [subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE) for _ in "ab"]

    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    for run in runs:
        assert run.stdout is not None
        run.stdout.close()
    assert sorted(os.listdir(tmp_path / "secrets" / "shop" / "jwt-signing")) == [".lock", "1.json"]


def test_rotate_adds_a_version_and_versions_shows_current_and_grace(
    secret_store: SecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init", "--store", secret_store.url])
    assert main(["rotate", "jwt-signing", "--store", secret_store.url]) == 0
    assert main(["rotate", "django-secret-key", "--store", secret_store.url]) == 0
    capsys.readouterr()

    assert main(["versions", "jwt-signing", "--store", secret_store.url]) == 0
    assert main(["list", "--store", secret_store.url]) == 0
    out = capsys.readouterr().out

    assert "current" in out and "grace" in out
    assert re.search(rf"^{JWT_SIGNING_PATH}\s+2\s", out, re.MULTILINE)
    assert not [value for value in values(secret_store) if value[:40] in out]


def public_halves(store: SecretStore) -> tuple[list[str], list[str]]:
    """Each signing version's public half, and what the verifying path holds, by version."""
    signing = [
        public_pem_of(store.read(JWT_SIGNING_PATH, info.version).data[FIELD].encode()).decode()
        for info in store.versions(JWT_SIGNING_PATH)
    ]
    verifying = [
        store.read(JWT_VERIFYING_PATH, info.version).data[PUBLIC_FIELD]
        for info in store.versions(JWT_VERIFYING_PATH)
    ]
    return signing, verifying


def test_the_verifying_keys_are_the_public_halves_of_the_signing_keys_version_for_version(
    secret_store: SecretStore,
) -> None:
    main(["init", "--store", secret_store.url])
    assert main(["rotate", "jwt-signing", "--store", secret_store.url]) == 0
    signing, verifying = public_halves(secret_store)
    assert len(signing) == 2 and verifying == signing
    assert not any("PRIVATE" in pem for pem in verifying)

    # a rotation that wrote its key but not the public half (the store failed in between):
    # the next init publishes it
    secret_store.write(JWT_SIGNING_PATH, {FIELD: new_private_key_pem()}, expected_version=2)
    assert main(["init", "--store", secret_store.url]) == 0
    signing, verifying = public_halves(secret_store)
    assert len(signing) == 3 and verifying == signing


def test_bad_input_is_a_message_and_a_non_zero_exit(
    secret_store: SecretStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rotate", "jwt-signing", "--store", secret_store.url]) == 1
    assert "secrets init" in capsys.readouterr().err

    main(["init", "--store", secret_store.url])
    assert (
        main(["rotate", "django-secret-key", "--service", "nope", "--store", secret_store.url]) == 1
    )
    assert "unknown service" in capsys.readouterr().err
    assert (
        main(["rotate", "jwt-signing", "--service", "monolith", "--store", secret_store.url]) == 1
    )
    assert main(["list", "--store", "vault://nowhere"]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["rotate", "everything"])
    assert usage.value.code == 2


def test_the_public_keys_follow_when_openbao_keeps_only_the_newest_versions(
    openbao: OpenBaoServer, bao_store: SecretStore
) -> None:
    assert isinstance(bao_store, OpenBaoStore)
    root = hvac.Client(url=openbao.address, token=openbao.token, timeout=5)
    root.secrets.kv.v2.configure(max_versions=2, mount_point=bao_store.mount)
    main(["init", "--store", bao_store.url])
    for _ in range(3):
        assert main(["rotate", "jwt-signing", "--store", bao_store.url]) == 0

    assert [i.version for i in bao_store.versions(JWT_VERIFYING_PATH)] == [3, 4]
    signing, verifying = public_halves(bao_store)
    assert verifying == signing

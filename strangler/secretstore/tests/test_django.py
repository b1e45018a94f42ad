"""A Django process on the secret store: tokens signed by the ring's newest key, verified by
any key still in its grace, the JWKS listing them; ``SECRET_KEY`` and its fallbacks read at
start. Without ``SECRET_STORE_URL`` the PEM files serve, as before stage 5."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from django.test import override_settings
from rest_framework.test import APIClient, APIRequestFactory

from strangler.auth import keys
from strangler.auth.drf import BearerTokenAuthentication, verified_tokens
from strangler.auth.keys import TokensIssuedElsewhere
from strangler.auth.kid import kid_for
from strangler.auth.tokens import InvalidToken, decode, issue_pair
from strangler.config import REPO_ROOT
from strangler.secretstore import django as glue
from strangler.secretstore.cli import main as secrets_main
from strangler.secretstore.keyring import (
    FIELD,
    JWT_SIGNING_PATH,
    JWT_VERIFYING_PATH,
    public_pem_of,
)
from strangler.secretstore.store import SecretStore


@pytest.fixture
def ring_store(secret_store: SecretStore) -> Iterator[SecretStore]:
    """The process is the issuer and reads ``secret_store`` (the ring rebuilt for the test, and
    after it)."""
    assert secrets_main(["init", "--store", secret_store.url]) == 0
    glue.key_ring.cache_clear()
    verified_tokens.clear()
    with override_settings(
        SECRET_STORE_URL=secret_store.url,
        JWT_SIGNS_TOKENS=True,
        JWT_KEYRING_RELOAD_SECONDS=0,
        JWT_KEY_PUBLISH_SECONDS=0,
    ):
        yield secret_store
    glue.key_ring.cache_clear()
    verified_tokens.clear()


def rotate(store: SecretStore) -> None:
    assert secrets_main(["rotate", "jwt-signing", "--store", store.url]) == 0


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def authenticate(token: str) -> int:
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    found = BearerTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    assert found is not None
    return found[0].customer_id


def test_a_token_from_before_a_rotation_still_verifies_and_a_new_one_has_the_new_kid(
    ring_store: SecretStore,
) -> None:
    before = issue_pair("7", email="c7@example.com").access
    assert authenticate(before) == 7

    rotate(ring_store)
    after = issue_pair("7", email="c7@example.com").access

    assert kid_of(after) != kid_of(before)
    assert authenticate(before) == 7 and authenticate(after) == 7
    assert decode(before, "access")["sub"] == "7"
    listed = [key["kid"] for key in keys.jwks()["keys"]]
    assert listed == [kid_of(before), kid_of(after)]


def test_a_token_signed_by_a_key_outside_the_ring_is_refused(ring_store: SecretStore) -> None:
    token = issue_pair("7").access
    header = {"kid": "0123456789abcdef"}
    forged = jwt.encode(jwt.decode(token, options={"verify_signature": False}), "x" * 32)
    with pytest.raises(InvalidToken):
        decode(forged, "access")
    stranger = jwt.encode({"sub": "7"}, keys.private_key_pem(), "RS256", headers=header)
    with pytest.raises(InvalidToken, match="unknown key"):
        decode(stranger, "access")


def test_a_retired_key_leaves_the_jwks_after_the_refresh_token_lifetime(
    ring_store: SecretStore,
) -> None:
    before = issue_pair("7").access
    with override_settings(JWT_REFRESH_TTL=timedelta(seconds=0)):
        glue.key_ring.cache_clear()
        rotate(ring_store)

        assert [key["kid"] for key in keys.jwks()["keys"]] == [keys.key_id()]
        with pytest.raises(InvalidToken, match="unknown key"):
            decode(before, "access")


def test_a_service_that_verifies_holds_no_private_key_and_signs_nothing(
    ring_store: SecretStore,
) -> None:
    issued = issue_pair("7", email="c7@example.com").access
    rotate(ring_store)
    with override_settings(JWT_SIGNS_TOKENS=False):
        glue.key_ring.cache_clear()
        verified_tokens.clear()

        assert authenticate(issued) == 7
        assert [key["kid"] for key in keys.jwks()["keys"]] == [
            kid_of(issued),
            kid_for(public_pem_of(ring_store.read(JWT_SIGNING_PATH).data[FIELD].encode())),
        ]
        ring = glue.key_ring()
        assert ring.path == JWT_VERIFYING_PATH
        assert all(key.private_pem is None for key in ring.verifiable())
        with pytest.raises(TokensIssuedElsewhere, match="through the gateway") as refused:
            issue_pair("7")
        assert refused.value.http_status == 421


@pytest.mark.django_db
def test_sign_in_at_a_service_that_only_verifies_is_a_421_naming_the_way(
    ring_store: SecretStore, in_process_credentials: None
) -> None:
    """The monolith's own sign-in path, called directly once identity issues the tokens (the
    account registered on the monolith's row, as before stage 5)."""
    client, account = APIClient(), {"email": "c7@example.com", "password": "pass-9-word"}
    registered = client.post("/api/v1/auth/register", {**account, "full_name": "C7"}, "json")
    assert registered.status_code == 201, registered.content
    with override_settings(JWT_SIGNS_TOKENS=False):
        glue.key_ring.cache_clear()

        refused = client.post("/api/v1/auth/token", account, "json")

    assert refused.status_code == 421
    assert refused.json()["error"]["code"] == "tokens_issued_elsewhere"
    assert "gateway" in refused.json()["error"]["message"]


def test_without_a_secret_store_the_pem_files_sign() -> None:
    with override_settings(SECRET_STORE_URL=""):
        token = issue_pair("7").access
        assert kid_of(token) == kid_for(Path(keys.settings.JWT_PUBLIC_KEY_FILE).read_bytes())
        assert len(keys.jwks()["keys"]) == 1


PRINT_SECRET_KEYS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECRET_KEY, s.SECRET_KEY_FALLBACKS]))"
)


def _secret_keys(tmp_path: Path, store_url: str, **extra: str) -> list[object]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SECRET_STORE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="monolith.shop.settings",
        STRANGLER_VAR_DIR=str(tmp_path),
        SECRET_STORE="on",
        SECRET_STORE_URL=store_url,
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-c", PRINT_SECRET_KEYS],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: list[object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_secret_key_comes_from_the_store_and_the_previous_one_stays_a_fallback(
    secret_store: SecretStore, tmp_path: Path
) -> None:
    assert secrets_main(["init", "--store", secret_store.url]) == 0
    path = glue.secret_key_path("monolith")
    first = secret_store.read(path).data["secret_key"]
    assert _secret_keys(tmp_path, secret_store.url) == [first, []]

    assert secrets_main(["rotate", "django-secret-key", "--service", "monolith",
                         "--store", secret_store.url]) == 0  # fmt: skip
    second = secret_store.read(path).data["secret_key"]

    assert _secret_keys(tmp_path, secret_store.url) == [second, [first]]
    expired = _secret_keys(tmp_path, secret_store.url, SECRET_KEY_GRACE_SECONDS="0")
    assert expired == [second, []]


def test_a_process_without_its_secret_key_in_the_store_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="monolith.shop.settings",
        STRANGLER_VAR_DIR=str(tmp_path),
        SECRET_STORE="on",
        SECRET_STORE_URL=f"file://{tmp_path / 'empty'}",
    )
    done = subprocess.run(
        [sys.executable, "-c", PRINT_SECRET_KEYS],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode != 0
    assert "shop/django-secret-key/monolith" in done.stderr and "secrets init" in done.stderr


def test_a_token_names_the_kid_of_the_key_that_signed_it(ring_store: SecretStore) -> None:
    rotate(ring_store)
    private, kid = keys.signing_key()
    assert kid == kid_for(public_pem_of(private))
    token = issue_pair("7", email="c7@example.com").access
    assert kid_of(token) == kid and decode(token, "access")["sub"] == "7"

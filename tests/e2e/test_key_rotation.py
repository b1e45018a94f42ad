"""Stage 5 end to end: the JWT signing key rotated in OpenBao while the shop runs.

The stage's set-up seeded the key ring in a real OpenBao (``bao server -dev``, started for the
stage by the e2e conftest). A customer signs in, then ``python -m strangler secrets rotate
jwt-signing`` writes a new key. Without a restart: the JWKS lists the new key first (it is
published ``JWT_KEY_PUBLISH_SECONDS`` before it signs, 5 s in the e2e stages), then new tokens
carry its kid and work through the gateway, and the token from before still works too.
Each process logged in to the store with its own service's AppRole, never with the set-up's
token: only identity's login may read the private signing keys.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from strangler.config import REPO_ROOT, secret_store_login_file
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import AppRoleLogin, OpenBaoStore
from strangler.secretstore.store import SecretStoreError
from strangler.testing import eventually
from tests.e2e.conftest import StartedStage
from tests.e2e.shoppers import sign_in

STAGE = 5
TIMEOUT = 10


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def _me(base: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{base}/api/v1/me", headers=headers, timeout=TIMEOUT).status_code


def _jwks_kids(base: str) -> list[str]:
    reply = requests.get(f"{base}/api/v1/auth/jwks.json", timeout=TIMEOUT)
    assert reply.status_code == 200, reply.text
    return [key["kid"] for key in reply.json()["keys"]]


def test_a_token_from_before_a_rotation_works_after_it_beside_one_with_the_new_kid(
    stages: Callable[[int], StartedStage],
) -> None:
    started = stages(STAGE)
    assert started.env["SECRET_STORE_URL"].startswith("bao://")
    base = started.base_url
    account = {"email": f"e2e-{uuid.uuid4().hex[:10]}@example.com", "password": "pass-9-word"}
    registered = requests.post(
        f"{base}/api/v1/auth/register", json={**account, "full_name": "Ayo Bello"}, timeout=TIMEOUT
    )
    assert registered.status_code == 201, registered.text
    before = sign_in(base, account)
    assert _me(base, before) == 200

    rotated = subprocess.run(
        [sys.executable, "-m", "strangler", "secrets", "rotate", "jwt-signing"],
        cwd=REPO_ROOT, env=started.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr

    def both_published() -> list[str]:  # from either replica: each reloads on its own
        kids = _jwks_kids(base)
        return kids if len(kids) == 2 else []

    published = eventually(both_published, "the new key published", deadline=60, poll=1.0)
    assert published[0] == _kid(before)

    # each monolith process reads the ring again within its reload interval (15 s)
    # (sign-ins are rate-limited per client: a 429 is a "not yet", and the poll is slow)
    def newly_signed() -> str:
        reply = requests.post(f"{base}/api/v1/auth/token", json=account, timeout=TIMEOUT)
        if reply.status_code == 429:
            return ""
        assert reply.status_code == 200, reply.text
        token = str(reply.json()["access"])
        return token if _kid(token) != _kid(before) else ""

    after = eventually(
        newly_signed,
        "a token signed with the new key",
        deadline=60,
        poll=3.0,
    )
    # the gateway fetches the JWKS again on the new kid (at most every 30 s)
    eventually(lambda: _me(base, after) == 200, "the new kid accepted at the gateway", deadline=45)
    assert _me(base, before) == 200
    assert _kid(after) == published[1]
    eventually(
        lambda: _jwks_kids(base) == [_kid(before), _kid(after)],
        "both replicas list both kids",
        deadline=30,
    )


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_each_process_logs_in_to_openbao_as_its_service_and_only_identity_may_sign(
    stages: Callable[[int], StartedStage],
) -> None:
    started = stages(STAGE)
    var = Path(started.env["STRANGLER_VAR_DIR"])
    specs = {spec.name: spec for spec in started.stage.processes}
    for process in started.running.group.processes:
        assert process.pid is not None, process.name
        environ = _environ(process.pid)
        assert "SECRET_STORE_TOKEN" not in environ, f"{process.name} holds the operator's token"
        login = secret_store_login_file(var, specs[process.name].settings_of)
        expected = str(login) if login.exists() else None
        assert environ.get("SECRET_STORE_APPROLE_FILE") == expected, process.name
        assert "SECRET_STORE_TOKEN_FILE" not in environ, process.name

    url = urlsplit(started.env["SECRET_STORE_URL"])
    address, mount = f"http://{url.netloc}", url.path.strip("/") or "secret"

    def store_of(service: str) -> OpenBaoStore:
        text = secret_store_login_file(var, service).read_text()
        return OpenBaoStore(address, mount=mount, login=lambda: AppRoleLogin.from_json(text))

    assert store_of("identity").versions(JWT_SIGNING_PATH)
    assert store_of("monolith").versions(JWT_VERIFYING_PATH)
    with pytest.raises(SecretStoreError, match="permission denied"):
        store_of("monolith").read(JWT_SIGNING_PATH)

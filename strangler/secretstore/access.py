"""Who reads what in OpenBao: one ACL policy and one token per service.

A service's token reads its own Django ``SECRET_KEY`` and the public halves of the JWT keys;
identity's, the issuer's, reads the private signing keys too. No token of a service may write,
list, or read another service's secret: new versions are the operator's
(``python -m strangler secrets rotate``, with the operator's token). ``secrets init`` writes
the policies and leaves each service's token in a file of its own (mode 0600) under the var
folder; the stage runner gives a service's processes that file (``SECRET_STORE_TOKEN_FILE``),
never the operator's token.

The embedded store (a folder of files) has no access control of its own: there the split
rests on what each process asks for (only the issuer's key ring reads the private keys).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from strangler.config import secret_store_token_file
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import OpenBaoStore

ISSUER = "identity"  # the one service that signs tokens
# OpenBao's default ceiling for a token's lifetime; `secrets init` (run by every stage's
# set-up) issues fresh ones. A deployment logs in with an auth method instead (Kubernetes,
# AppRole), which hands out the same policies.
TOKEN_TTL = "768h"


def readable_paths(service: str) -> list[str]:
    paths = [secret_key_path(service), JWT_VERIFYING_PATH]
    return [*paths, JWT_SIGNING_PATH] if service == ISSUER else paths


def policy_name(service: str, mount: str) -> str:
    return f"shop-{service}" if mount == "secret" else f"shop-{mount}-{service}"


def policy_document(mount: str, paths: list[str]) -> str:
    """Read, nothing else, on each path: KV v2 serves a value at ``<mount>/data/<path>`` and
    its versions at ``<mount>/metadata/<path>``."""
    return "\n".join(
        f'path "{mount}/{kind}/{path}" {{\n  capabilities = ["read"]\n}}\n'
        for path in paths
        for kind in ("data", "metadata")
    )


def grant_each_service(
    store: OpenBaoStore, services: list[str], var: Path
) -> list[tuple[str, str, str]]:
    """Write each service's policy and a new token bound to it, saved where the stage runner
    finds it: (service, policy, token file) rows."""
    rows = []
    for service in services:
        name = policy_name(service, store.mount)
        store.write_policy(name, policy_document(store.mount, readable_paths(service)))
        token = store.create_token(name, display_name=f"shop-{service}", ttl=TOKEN_TTL)
        path = secret_store_token_file(var, service)
        _write_private(path, token)
        rows.append((service, name, str(path)))
    return rows


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` at once with a file only its owner reads."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text + "\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

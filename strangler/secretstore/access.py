"""Who reads what in OpenBao: one ACL policy and one login role per service.

A service's processes log in with its role and get a token bound to its policy alone: it
reads the service's own Django ``SECRET_KEY`` and the public halves of the JWT keys;
identity's, the issuer's, reads the private signing keys too. No service may write, list, or
read another service's secret: new versions are the operator's (``python -m strangler secrets
rotate``, with the operator's token). A token lasts ``TOKEN_TTL``; a process logs in again
when it is refused.

How a service logs in depends on where it runs. Under the stage runner and Compose, with an
AppRole: ``secrets init`` leaves each service's login (its role id and a new secret id, every
older secret id destroyed) in a file of its own (mode 0600) under the var folder, which the
runner gives that service's processes (``SECRET_STORE_APPROLE_FILE``), never the operator's
token; a run of ``init`` replaces every service's credentials without a restart, and a login
copied from a file stops working at the next ``init``. On Kubernetes (``init`` told the
cluster, :class:`KubernetesCluster`), with the pod's service account: the role ``shop-<service>``
of the Kubernetes auth method admits the token of the service account named after the service
in the stage's namespace, so no secret id exists to hand out, copy or rotate.

The embedded store (a folder of files) has no access control of its own: there the split
rests on what each process asks for (only the issuer's key ring reads the private keys).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from strangler.config import secret_store_login_file, secret_store_role
from strangler.secretstore.django import secret_key_path
from strangler.secretstore.keyring import JWT_SIGNING_PATH, JWT_VERIFYING_PATH
from strangler.secretstore.openbao import AppRoleLogin, KubernetesCluster, OpenBaoStore

ISSUER = "identity"  # the one service that signs tokens
TOKEN_TTL = "1h"  # a process's token; it logs in again when the token is refused
# How long a secret id logs in: `secrets init` (run by every stage's set-up) gives new ones.
SECRET_ID_TTL = "768h"


def readable_paths(service: str) -> list[str]:
    paths = [secret_key_path(service), JWT_VERIFYING_PATH]
    return [*paths, JWT_SIGNING_PATH] if service == ISSUER else paths


def policy_document(mount: str, paths: list[str]) -> str:
    """Read, nothing else, on each path: KV v2 serves a value at ``<mount>/data/<path>`` and
    its versions at ``<mount>/metadata/<path>``."""
    return "\n".join(
        f'path "{mount}/{kind}/{path}" {{\n  capabilities = ["read"]\n}}\n'
        for path in paths
        for kind in ("data", "metadata")
    )


def grant_each_service(
    store: OpenBaoStore, services: list[str], var: Path, cluster: KubernetesCluster | None = None
) -> list[tuple[str, str, str]]:
    """Write each service's policy and its login role: an AppRole whose login (the role id and
    a new secret id) is saved where the stage runner finds it, or with ``cluster`` a role of
    the Kubernetes auth method bound to the service's account. (service, policy and role, how
    it logs in) rows."""
    grant: Callable[[OpenBaoStore, str, str], str]
    if cluster is not None:
        store.enable_auth_method("kubernetes")
        store.configure_kubernetes(cluster)
        grant = partial(_kubernetes_role, cluster=cluster)
    else:
        store.enable_auth_method("approle")
        grant = partial(_approle, var=var)
    rows = []
    for service in services:
        name = secret_store_role(service, store.mount)
        store.write_policy(name, policy_document(store.mount, readable_paths(service)))
        rows.append((service, name, grant(store, name, service)))
    return rows


def _kubernetes_role(
    store: OpenBaoStore, name: str, service: str, *, cluster: KubernetesCluster
) -> str:
    account = service  # each service's pods run as the account named after it
    store.write_kubernetes_role(
        name, policy=name, service_account=account, namespace=cluster.namespace, token_ttl=TOKEN_TTL
    )
    return f"service account {cluster.namespace}/{account}"


def _approle(store: OpenBaoStore, name: str, service: str, *, var: Path) -> str:
    role_id = store.write_role(name, policy=name, token_ttl=TOKEN_TTL, secret_id_ttl=SECRET_ID_TTL)
    login = AppRoleLogin(role_id, store.replace_secret_id(name))
    path = secret_store_login_file(var, service)
    _write_private(path, login.to_json())
    return str(path)


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

"""``open_secret_store(url)``: the secret store a URL names, OpenBao's or the embedded files."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from strangler.config import env
from strangler.secretstore.files import FileSecretStore
from strangler.secretstore.openbao import AppRoleLogin, KubernetesLogin, OpenBaoStore
from strangler.secretstore.store import SecretStore

# Where the kubelet mounts what a pod knows of its cluster: its service account's token (kept
# renewed), the namespace and the API's CA certificate.
POD_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def open_secret_store(url: str) -> SecretStore:
    """``bao://HOST:PORT[/mount]`` (OpenBao over HTTP, KV v2 mounted at ``secret`` by
    default; a service's processes log in with ``SECRET_STORE_APPROLE`` or the file
    ``SECRET_STORE_APPROLE_FILE`` names, on Kubernetes with the role
    ``SECRET_STORE_KUBERNETES_ROLE`` and the pod's service account token; the operator's
    commands use ``SECRET_STORE_TOKEN`` or ``SECRET_STORE_TOKEN_FILE``) or ``file:///abs/dir``
    (the embedded default)."""
    parts = urlsplit(url)
    if parts.scheme == "bao":
        if not parts.hostname:
            raise ValueError(f"secret store {url!r}: no host (bao://HOST:PORT[/mount])")
        try:
            port = parts.port or 8200
        except ValueError:
            raise ValueError(f"secret store {url!r}: bad port") from None
        address, mount = f"http://{parts.hostname}:{port}", parts.path.strip("/") or "secret"
        if os.environ.get("SECRET_STORE_KUBERNETES_ROLE"):
            return OpenBaoStore(address, mount=mount, login=_kubernetes_login)
        if _given("SECRET_STORE_APPROLE"):
            # read at each login: a secret id that `secrets init` replaced is the next one used
            return OpenBaoStore(address, mount=mount, login=_approle_login)
        token = env.str("SECRET_STORE_TOKEN", default="").strip()  # a file ends with a newline
        if not token:
            raise ValueError(
                f"secret store {url}: no credentials (set SECRET_STORE_KUBERNETES_ROLE, or "
                "SECRET_STORE_APPROLE or SECRET_STORE_TOKEN or their _FILE)"
            )
        return OpenBaoStore(address, token, mount=mount)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"secret store {url!r}: a file store is file:///absolute/dir")
        return FileSecretStore(parts.path)
    raise ValueError(f"secret store {url!r}: unknown scheme (bao://HOST:PORT or file:///abs/dir)")


def _given(name: str) -> bool:
    return bool(os.environ.get(name) or os.environ.get(f"{name}_FILE"))


def _read(variable: str, path: str) -> str:
    """The file ``path`` (what ``variable`` names), read at each login: django-environ's
    ``_FILE`` reader keeps what it read once."""
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ValueError(f"{variable} is unreadable ({exc.strerror}: {path})") from None


def _approle_login() -> AppRoleLogin:
    if path := os.environ.get("SECRET_STORE_APPROLE_FILE"):
        return AppRoleLogin.from_json(_read("SECRET_STORE_APPROLE_FILE", path))
    return AppRoleLogin.from_json(os.environ.get("SECRET_STORE_APPROLE", ""))


def _kubernetes_login() -> KubernetesLogin:
    """The role, and the token the kubelet keeps in the pod (renewed before it expires: read
    again at each login)."""
    variable = "SECRET_STORE_KUBERNETES_TOKEN_FILE"
    jwt = _read(variable, os.environ.get(variable) or str(POD_ACCOUNT_DIR / "token")).strip()
    if not jwt:
        raise ValueError(f"{variable} is empty")
    return KubernetesLogin(os.environ["SECRET_STORE_KUBERNETES_ROLE"], jwt)

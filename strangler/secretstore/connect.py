"""``open_secret_store(url)``: the secret store a URL names, OpenBao's or the embedded files."""

from __future__ import annotations

from urllib.parse import urlsplit

from strangler.config import env
from strangler.secretstore.files import FileSecretStore
from strangler.secretstore.openbao import OpenBaoStore
from strangler.secretstore.store import SecretStore


def open_secret_store(url: str) -> SecretStore:
    """``bao://HOST:PORT[/mount]`` (OpenBao over HTTP, KV v2 mounted at ``secret`` by
    default, the token from ``SECRET_STORE_TOKEN`` or the file ``SECRET_STORE_TOKEN_FILE``
    names) or ``file:///abs/dir`` (the embedded default)."""
    parts = urlsplit(url)
    if parts.scheme == "bao":
        if not parts.hostname:
            raise ValueError(f"secret store {url!r}: no host (bao://HOST:PORT[/mount])")
        try:
            port = parts.port or 8200
        except ValueError:
            raise ValueError(f"secret store {url!r}: bad port") from None
        token = env.str("SECRET_STORE_TOKEN", default="").strip()  # a file ends with a newline
        if not token:
            raise ValueError(
                f"secret store {url}: no token (set SECRET_STORE_TOKEN or SECRET_STORE_TOKEN_FILE)"
            )
        mount = parts.path.strip("/") or "secret"
        return OpenBaoStore(f"http://{parts.hostname}:{port}", token, mount=mount)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"secret store {url!r}: a file store is file:///absolute/dir")
        return FileSecretStore(parts.path)
    raise ValueError(f"secret store {url!r}: unknown scheme (bao://HOST:PORT or file:///abs/dir)")

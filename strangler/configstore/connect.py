"""``open_store(url)``: the config store a URL names, etcd's or the embedded folder of files."""

from __future__ import annotations

from urllib.parse import urlsplit

from strangler.configstore.etcd import EtcdStore
from strangler.configstore.files import FileStore
from strangler.configstore.store import ConfigStore


def open_store(url: str) -> ConfigStore:
    """``etcd://HOST:PORT[/prefix]`` (etcd's v3 JSON gateway; prefix ``/strangler`` by
    default) or ``file:///abs/dir`` (the embedded default: files shared by the processes of
    one machine)."""
    parts = urlsplit(url)
    if parts.scheme == "etcd":
        if not parts.hostname:
            raise ValueError(f"config store {url!r}: no host (etcd://HOST:PORT[/prefix])")
        try:
            port = parts.port or 2379
        except ValueError:
            raise ValueError(f"config store {url!r}: bad port") from None
        prefix = parts.path.rstrip("/") or "/strangler"
        return EtcdStore(parts.hostname, port, prefix=prefix)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"config store {url!r}: a file store is file:///absolute/dir")
        return FileStore(parts.path)
    raise ValueError(
        f"config store {url!r}: unknown scheme (etcd://HOST:PORT[/prefix] or file:///abs/dir)"
    )

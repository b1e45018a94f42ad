"""``OpenBaoStore``: secrets in OpenBao (the open-source Vault), its KV version 2 engine.

OpenBao speaks Vault's API, so the client is ``hvac``. KV v2 keeps every version of a path
with its creation time and does the check-and-set itself (``cas``); ``bao server -dev``
mounts it at ``secret/``. The token is the caller's (``SECRET_STORE_TOKEN`` or its
``_FILE``); a denied, missing or unreachable store raises :class:`SecretStoreError` naming
the store and the path, never the token or a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import hvac
import requests
from hvac import exceptions as bao

from strangler.secretstore.store import (
    Secret,
    SecretConflict,
    SecretNotFound,
    SecretStoreError,
    VersionInfo,
    check_data,
    check_path,
)

T = TypeVar("T")
TIMEOUT_SECONDS = 5.0
_NANOSECONDS = re.compile(r"(\.\d{6})\d+")


def parse_time(value: str) -> datetime:
    """OpenBao's RFC 3339 times carry nanoseconds; Python reads microseconds."""
    return datetime.fromisoformat(_NANOSECONDS.sub(r"\1", value).replace("Z", "+00:00"))


class OpenBaoStore:
    def __init__(self, address: str, token: str, *, mount: str = "secret") -> None:
        self.url = f"bao://{address.split('://', 1)[-1]}/{mount}"
        self.mount = mount
        self._client = hvac.Client(url=address, token=token, timeout=TIMEOUT_SECONDS)
        self._kv = self._client.secrets.kv.v2

    def __repr__(self) -> str:
        return f"OpenBaoStore({self.url!r})"

    def _call(self, what: str, path: str, call: Callable[[], T]) -> T:
        where = f"secret store {self.url}: cannot {what} {path}"
        try:
            return call()
        except bao.InvalidPath:
            raise SecretNotFound(f"{where}: nothing there") from None
        except (bao.Forbidden, bao.Unauthorized):
            raise SecretStoreError(
                f"{where}: permission denied (check SECRET_STORE_TOKEN)"
            ) from None
        except bao.InvalidRequest as exc:
            if "check-and-set" in str(exc):
                raise SecretConflict(f"{where}: it changed since it was read") from None
            raise SecretStoreError(f"{where}: refused ({_errors(exc)})") from None
        except bao.VaultError as exc:
            raise SecretStoreError(f"{where}: {type(exc).__name__} ({_errors(exc)})") from None
        except requests.RequestException as exc:
            raise SecretStoreError(f"{where}: out of reach ({type(exc).__name__})") from None

    def read(self, path: str, version: int | None = None) -> Secret:
        check_path(path)
        reply: dict[str, Any] = self._call(
            "read",
            path,
            lambda: self._kv.read_secret_version(
                path=path, version=version, mount_point=self.mount, raise_on_deleted_version=True
            ),
        )
        metadata = reply["data"]["metadata"]
        return Secret(
            version=int(metadata["version"]),
            created=parse_time(metadata["created_time"]),
            data={str(k): str(v) for k, v in (reply["data"]["data"] or {}).items()},
        )

    def versions(self, path: str) -> list[VersionInfo]:
        check_path(path)
        try:
            reply: dict[str, Any] = self._call(
                "list the versions of",
                path,
                lambda: self._kv.read_secret_metadata(path=path, mount_point=self.mount),
            )
        except SecretNotFound:
            return []
        found = reply["data"]["versions"]
        return sorted(
            (VersionInfo(int(n), parse_time(meta["created_time"])) for n, meta in found.items()),
            key=lambda info: info.version,
        )

    def write(self, path: str, data: Mapping[str, str], *, expected_version: int) -> int:
        check_path(path)
        check_data(path, data)
        reply: dict[str, Any] = self._call(
            "write",
            path,
            lambda: self._kv.create_or_update_secret(
                path=path, secret=dict(data), cas=expected_version, mount_point=self.mount
            ),
        )
        return int(reply["data"]["version"])

    # --- access: what a service's own token may read (strangler.secretstore.access) ---------

    def write_policy(self, name: str, document: str) -> None:
        """Create or replace the ACL policy ``name`` (needs the operator's token)."""
        write = self._client.sys.create_or_update_policy
        self._call("write the policy", name, lambda: write(name, document))

    def create_token(self, policy: str, *, display_name: str, ttl: str) -> str:
        """A new token bound to ``policy`` alone (and OpenBao's ``default``: look itself up,
        renew itself), valid for ``ttl``."""
        reply: dict[str, Any] = self._call(
            "create a token for",
            policy,
            lambda: self._client.auth.token.create(
                policies=[policy], display_name=display_name, ttl=ttl, renewable=True
            ),
        )
        return str(reply["auth"]["client_token"])


def _errors(exc: bao.VaultError) -> str:
    """The server's own error texts (they name the path or the rule, never a value)."""
    return "; ".join(map(str, exc.errors or [])) or "no detail"

"""``OpenBaoStore``: secrets in OpenBao (the open-source Vault), its KV version 2 engine.

OpenBao speaks Vault's API, so the client is ``hvac``. KV v2 keeps every version of a path
with its creation time and does the check-and-set itself (``cas``); ``bao server -dev``
mounts it at ``secret/``. The operator's commands use a token (``SECRET_STORE_TOKEN`` or its
``_FILE``). A service's processes log in with what ``secrets init`` gave their service: an
AppRole (``SECRET_STORE_APPROLE`` or its ``_FILE``: a role id and a secret id), or on
Kubernetes a role of the Kubernetes auth method, which takes the pod's service account token
(``SECRET_STORE_KUBERNETES_ROLE``). They log in again, with what the file holds then, when
their token has expired. A denied, missing or unreachable store raises
:class:`SecretStoreError` naming the store and the path, never a token or a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TypeVar

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


KUBERNETES = "kubernetes"  # where the Kubernetes auth method is mounted


class Login(Protocol):
    """What a service's processes log in with."""

    def log_in(self, client: hvac.Client) -> None:
        """Log ``client`` in: it holds the new token afterwards."""


@dataclass(frozen=True)
class AppRoleLogin:
    """An AppRole login: the service's role id and a secret id of that role."""

    role_id: str
    secret_id: str = field(repr=False)

    def log_in(self, client: hvac.Client) -> None:
        client.auth.approle.login(role_id=self.role_id, secret_id=self.secret_id)

    def to_json(self) -> str:
        return json.dumps({"role_id": self.role_id, "secret_id": self.secret_id})

    @classmethod
    def from_json(cls, text: str) -> AppRoleLogin:
        """Raises ValueError (without the text: it holds a secret) when it is not one."""
        try:
            fields = json.loads(text)
        except ValueError:
            raise ValueError("SECRET_STORE_APPROLE is not JSON") from None
        if not isinstance(fields, dict) or not all(
            isinstance(fields.get(key), str) and fields[key] for key in ("role_id", "secret_id")
        ):
            raise ValueError('SECRET_STORE_APPROLE is not {"role_id": "...", "secret_id": "..."}')
        return cls(fields["role_id"], fields["secret_id"])


@dataclass(frozen=True)
class KubernetesLogin:
    """A login of the Kubernetes auth method: the role, and the pod's service account token.
    OpenBao asks the cluster's API who the token is (a TokenReview) and gives a token of the
    role's policy only when it names the service account the role is bound to."""

    role: str
    jwt: str = field(repr=False)

    def log_in(self, client: hvac.Client) -> None:
        client.auth.kubernetes.login(role=self.role, jwt=self.jwt, mount_point=KUBERNETES)


@dataclass(frozen=True)
class KubernetesCluster:
    """The cluster whose service accounts log in: its API's address and CA certificate, and
    the namespace the services' accounts are in."""

    host: str
    ca_pem: str = field(repr=False)
    namespace: str


class OpenBaoStore:
    """``token``: the operator's. ``login``: what a service's processes log in with, asked for
    at each login (so a rotated secret id in the file, or the service account token the kubelet
    renewed, is the one used next)."""

    def __init__(
        self,
        address: str,
        token: str = "",
        *,
        mount: str = "secret",
        login: Callable[[], Login] | None = None,
    ) -> None:
        self.url = f"bao://{address.split('://', 1)[-1]}/{mount}"
        self.mount = mount
        # never None: hvac would then take $VAULT_TOKEN or ~/.vault-token (a person's own token)
        self._client = hvac.Client(url=address, token=token, timeout=TIMEOUT_SECONDS)
        self._kv = self._client.secrets.kv.v2
        self._login = login

    def __repr__(self) -> str:
        return f"OpenBaoStore({self.url!r})"

    def _call(self, what: str, path: str, call: Callable[[], T]) -> T:
        where = f"secret store {self.url}: cannot {what} {path}"
        try:
            return self._logged_in(call)
        except bao.InvalidPath:
            raise SecretNotFound(f"{where}: nothing there") from None
        except (bao.Forbidden, bao.Unauthorized):
            raise SecretStoreError(
                f"{where}: permission denied (check SECRET_STORE_TOKEN, SECRET_STORE_APPROLE "
                "or SECRET_STORE_KUBERNETES_ROLE)"
            ) from None
        except bao.InvalidRequest as exc:
            if "check-and-set" in str(exc):
                raise SecretConflict(f"{where}: it changed since it was read") from None
            raise SecretStoreError(f"{where}: refused ({_errors(exc)})") from None
        except bao.VaultError as exc:
            raise SecretStoreError(f"{where}: {type(exc).__name__} ({_errors(exc)})") from None
        except requests.RequestException as exc:
            raise SecretStoreError(f"{where}: out of reach ({type(exc).__name__})") from None

    def _logged_in(self, call: Callable[[], T]) -> T:
        """``call`` with a token: a service logs in first, and again once when its token was
        refused (expired after ``TOKEN_TTL``, or revoked)."""
        if self._login is None:
            return call()
        if not self._client.token:
            self._log_in()
        try:
            return call()
        except (bao.Forbidden, bao.Unauthorized):
            self._log_in()
            return call()

    def _log_in(self) -> None:
        assert self._login is not None
        try:
            login = self._login()
        except ValueError as exc:
            raise SecretStoreError(f"secret store {self.url}: {exc}") from None
        self._client.token = ""
        login.log_in(self._client)

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

    # --- access: what a service's login may read (strangler.secretstore.access) -------------

    def write_policy(self, name: str, document: str) -> None:
        """Create or replace the ACL policy ``name`` (needs the operator's token)."""
        write = self._client.sys.create_or_update_policy
        self._call("write the policy", name, lambda: write(name, document))

    def enable_auth_method(self, kind: str) -> None:
        """The auth method ``kind`` (``approle``, ``kubernetes``) at ``<kind>/``, unless it is
        there already."""
        methods: dict[str, Any] = self._call(
            "list", "the auth methods", lambda: self._client.sys.list_auth_methods()
        )
        if f"{kind}/" not in methods.get("data", methods):
            enable = self._client.sys.enable_auth_method
            self._call("enable", f"the {kind} auth method", lambda: enable(kind))

    def write_role(self, role: str, *, policy: str, token_ttl: str, secret_id_ttl: str) -> str:
        """Create or replace the AppRole ``role``, whose logins get a token bound to ``policy``
        alone (and OpenBao's ``default``) for ``token_ttl``; its role id."""
        approle = self._client.auth.approle
        self._call(
            "write the role",
            role,
            lambda: approle.create_or_update_approle(
                role,
                token_policies=[policy],
                token_ttl=token_ttl,
                token_max_ttl=token_ttl,
                secret_id_ttl=secret_id_ttl,
            ),
        )
        reply: dict[str, Any] = self._call(
            "read the role id of", role, lambda: approle.read_role_id(role)
        )
        return str(reply["data"]["role_id"])

    def configure_kubernetes(self, cluster: KubernetesCluster) -> None:
        """Where OpenBao reviews a service account token: the cluster's TokenReview API, asked
        with the token being reviewed (no long-lived reviewer token; each service account may
        review itself through the ClusterRole ``system:auth-delegator``)."""
        kubernetes = self._client.auth.kubernetes
        self._call(
            "configure",
            "the Kubernetes auth method",
            lambda: kubernetes.configure(
                kubernetes_host=cluster.host,
                kubernetes_ca_cert=cluster.ca_pem,
                disable_local_ca_jwt=True,
                mount_point=KUBERNETES,
            ),
        )

    def write_kubernetes_role(
        self, role: str, *, policy: str, service_account: str, namespace: str, token_ttl: str
    ) -> None:
        """Create or replace the Kubernetes auth role ``role``: a login with the token of the
        service account ``service_account`` in ``namespace`` gets a token bound to ``policy``
        alone (and OpenBao's ``default``) for ``token_ttl``."""
        kubernetes = self._client.auth.kubernetes
        self._call(
            "write the Kubernetes role",
            role,
            lambda: kubernetes.create_role(
                role,
                bound_service_account_names=[service_account],
                bound_service_account_namespaces=[namespace],
                policies=[policy],
                ttl=token_ttl,
                max_ttl=token_ttl,
                mount_point=KUBERNETES,
            ),
        )

    def replace_secret_id(self, role: str) -> str:
        """A new secret id of ``role``, every older one destroyed: a login with one of those
        fails from now on, while the tokens they got stay valid until they expire."""
        approle = self._client.auth.approle
        reply: dict[str, Any] = self._call(
            "create a secret id of", role, lambda: approle.generate_secret_id(role)
        )
        new, accessor = str(reply["data"]["secret_id"]), reply["data"]["secret_id_accessor"]
        try:
            listed: dict[str, Any] = self._call(
                "list the secret ids of", role, lambda: approle.list_secret_id_accessors(role)
            )
        except SecretNotFound:
            return new
        for old in listed["data"]["keys"]:
            if old != accessor:
                destroy = partial(approle.destroy_secret_id_accessor, role, old)
                self._call("destroy a secret id of", role, destroy)
        return new


def _errors(exc: bao.VaultError) -> str:
    """The server's own error texts (they name the path or the rule, never a value)."""
    return "; ".join(map(str, exc.errors or [])) or "no detail"

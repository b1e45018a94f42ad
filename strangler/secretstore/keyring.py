"""The JWT signing key ring: RS256 keys, one per version of a path in the store.

The private keys are at ``shop/jwt-signing``, read by the issuer alone (identity); every
version's public half is at ``shop/jwt-verifying`` under the same version number
(``publish_verifying_keys`` writes what is missing), and a ring built on that path verifies
and publishes but cannot sign: a service that checks tokens never holds a key that mints them.

A new version is published first: for ``publish`` after it is written it verifies and is
listed in the JWKS but signs nothing, so every verifier (the gateway re-reads the JWKS every
five minutes) holds the key before the first token it signs arrives. Then it signs, and the
key before it is retired: it stays verifiable for ``grace`` (the refresh tokens' lifetime: the
longest a token it signed can live), then leaves the ring. A process keeps the ring in memory
and reads it again every ``reload_seconds``, and when a token names a kid it does not know (a
rotation made by another process), at most once per ``min_reload_seconds`` so random kids
cannot hammer the store. A reload that fails keeps the keys it had.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from strangler.auth.kid import kid_for
from strangler.secretstore.store import (
    Secret,
    SecretConflict,
    SecretStore,
    SecretStoreError,
    VersionInfo,
)

log = logging.getLogger(__name__)

JWT_SIGNING_PATH = "shop/jwt-signing"
JWT_VERIFYING_PATH = "shop/jwt-verifying"
FIELD = "private_key"
PUBLIC_FIELD = "public_key"
State = Literal["next", "current", "grace", "expired"]


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem_of(private_pem: bytes) -> bytes:
    private = serialization.load_pem_private_key(private_pem, password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class VersionState:
    version: int
    created: datetime
    state: State
    until: datetime | None  # the end of a retired key's grace


def states(
    infos: list[VersionInfo],
    now: datetime,
    grace: timedelta,
    publish: timedelta = timedelta(0),
) -> list[VersionState]:
    """Each version's state: the newest version written at least ``publish`` ago is current
    (the first version is current at once: nothing else could sign); a newer one is next; an
    older one is in its grace period until ``grace`` after its successor became current, then
    expired."""
    ordered = sorted(infos, key=lambda info: info.version)
    if not ordered:
        return []
    published = [info for info in ordered[1:] if info.created + publish <= now]
    current = published[-1].version if published else ordered[0].version
    found: list[VersionState] = []
    for info, successor in zip(ordered, [*ordered[1:], None], strict=False):
        if info.version >= current:
            state: State = "current" if info.version == current else "next"
            found.append(VersionState(info.version, info.created, state, None))
            continue
        assert successor is not None  # an older version always has one
        until = successor.created + publish + grace
        state = "grace" if now < until else "expired"
        found.append(VersionState(info.version, info.created, state, until))
    return found


@dataclass(frozen=True)
class RingKey:
    version: int
    kid: str
    public_pem: bytes
    until: datetime | None  # None: the current key, or the next one
    private_pem: bytes | None = field(repr=False)  # None: read from the verifying keys
    signs: bool = False


def _ring_key(version: int, secret: Secret) -> RingKey:
    if FIELD in secret.data:
        private = secret.data[FIELD].encode()
        public = public_pem_of(private)
        return RingKey(version, kid_for(public), public, None, private)
    public = secret.data[PUBLIC_FIELD].encode()
    return RingKey(version, kid_for(public), public, None, None)


def publish_verifying_keys(store: SecretStore) -> list[int]:
    """Write the public half of each signing key that ``shop/jwt-verifying`` lacks, under the
    same version number (check-and-set, so two writers cannot misnumber it): the versions
    written. A writer that raced this one and wrote the same key is no conflict."""
    written = []
    # by number, not by count: a store may have dropped its oldest versions (KV's max_versions)
    have = max((info.version for info in store.versions(JWT_VERIFYING_PATH)), default=0)
    for info in [i for i in store.versions(JWT_SIGNING_PATH) if i.version > have]:
        private = store.read(JWT_SIGNING_PATH, info.version).data[FIELD].encode()
        public = public_pem_of(private).decode()
        try:
            before = info.version - 1
            store.write(JWT_VERIFYING_PATH, {PUBLIC_FIELD: public}, expected_version=before)
        except SecretConflict:
            theirs = store.read(JWT_VERIFYING_PATH, info.version).data.get(PUBLIC_FIELD)
            if theirs != public:
                raise SecretStoreError(
                    f"secret store {store.url}: {JWT_VERIFYING_PATH} version {info.version} is "
                    f"not the public key of {JWT_SIGNING_PATH} version {info.version}"
                ) from None
            continue
        written.append(info.version)
    return written


class KeyRing:
    def __init__(
        self,
        store: SecretStore,
        path: str = JWT_SIGNING_PATH,
        *,
        grace: timedelta,
        publish: timedelta = timedelta(0),
        reload_seconds: float = 15.0,
        min_reload_seconds: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.path, self.grace, self.publish = store, path, grace, publish
        self.reload_after = timedelta(seconds=reload_seconds)
        self.min_reload = timedelta(seconds=min_reload_seconds)
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: list[RingKey] = []  # oldest first; the current one signs
        self._loaded_at: datetime | None = None
        self._tried_at: datetime | None = None
        self.loads = 0

    def _load(self) -> None:
        now = self._tried_at = self.clock()
        self.loads += 1
        known = {key.version: key for key in self._keys}
        keys: list[RingKey] = []
        for version in states(self.store.versions(self.path), now, self.grace, self.publish):
            if version.state == "expired":
                continue
            key = known.get(version.version)
            if key is None:  # versions never change: only new ones are read
                key = _ring_key(version.version, self.store.read(self.path, version.version))
            keys.append(replace(key, until=version.until, signs=version.state == "current"))
        if not keys:
            raise SecretStoreError(
                f"secret store {self.store.url}: no key at {self.path} "
                "(run `python -m strangler secrets init`)"
            )
        self._keys, self._loaded_at = keys, now

    def _refresh(self, *, unknown_kid: bool = False) -> None:
        with self._lock:
            now = self.clock()
            if self._loaded_at is None:
                self._load()  # the first load's failure is the caller's
                return
            due = now - self._loaded_at >= self.reload_after
            allowed = self._tried_at is None or now - self._tried_at >= self.min_reload
            if not (due or (unknown_kid and allowed)):
                return
            try:
                self._load()
            except (SecretStoreError, KeyError, ValueError) as exc:
                log.warning("signing keys not reloaded, keeping %d: %s", len(self._keys), exc)

    def signing(self) -> RingKey:
        self._refresh()
        return next(key for key in self._keys if key.signs)

    def verifiable(self) -> list[RingKey]:
        """The keys a token may still be signed with, oldest first."""
        self._refresh()
        now = self.clock()
        return [key for key in self._keys if key.until is None or now < key.until]

    def verifying(self, kid: str) -> RingKey | None:
        for attempt in range(2):
            if attempt:
                self._refresh(unknown_kid=True)
            found = next((key for key in self.verifiable() if key.kid == kid), None)
            if found is not None:
                return found
        return None

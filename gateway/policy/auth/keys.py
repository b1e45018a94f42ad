"""Key sources: the RS256 keys of a JWKS document (fetched, refreshed), or one PEM file.

:class:`JwksKeySource` serves the monolith's JWKS at stage 1 and the identity service's at
stage 5: an unknown kid triggers a refresh (a key rotation), rate-limited so random kids
cannot hammer the issuer, and a failed refresh keeps the old keys. :class:`PemFileKeySource`
reads one public key whose kid is the monolith's (:func:`pem_key_id`). :func:`parse_jwks`
is the pure part; :func:`url_fetcher` fetches a JWKS from a plain URL (``GATEWAY_JWKS_URL``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import exceptions as jwt_errors
from jwt.algorithms import RSAAlgorithm

from gateway.policy.auth.identity import ALGORITHM, KeysUnavailable, _invalid
from strangler.auth.kid import kid_for

logger = logging.getLogger("gateway.auth")


def parse_jwks(document: bytes) -> dict[str, RSAPublicKey]:
    """The RS256 signing keys of a JWKS document by kid; other keys are skipped.

    Raises ``ValueError`` when the document is not a JWKS at all.
    """
    data = json.loads(document)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWKS document: no 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in data["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (jwt_errors.PyJWTError, ValueError, KeyError, TypeError):
            continue  # one broken key must not hide the good ones
        if isinstance(key, RSAPublicKey):
            keys[kid] = key
    return keys


class JwksKeySource:
    """Keys from a JWKS document fetched by ``fetch_jwks``.

    An unknown kid triggers a refresh (a key rotation), at most once per ``min_refresh``
    seconds so random kids cannot hammer the issuer. A set older than ``max_age`` is refreshed
    in the background while the current keys keep serving. A failed refresh keeps the old keys.
    """

    def __init__(
        self,
        fetch_jwks: Callable[[], Awaitable[bytes]],
        *,
        min_refresh: float = 30.0,
        max_age: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch_jwks
        self._min_refresh = min_refresh
        self._max_age = max_age
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._tried_at: float | None = None  # last attempt, successful or not
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self.fetches = 0

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    @property
    def loaded(self) -> bool:
        return bool(self._keys)

    async def refresh(self) -> None:
        """Fetch the set now (also used to warm up at start); raises on failure."""
        self._tried_at = self._clock()
        self.fetches += 1
        keys = parse_jwks(await self._fetch())
        if not keys:
            raise ValueError("the JWKS holds no RS256 signing key")
        self._keys = keys
        self._fetched_at = self._clock()

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # the issuer is down or answers garbage: keep the old keys
            logger.warning("JWKS refresh failed, keeping %d known keys: %s", len(self._keys), exc)

    async def key_for(self, kid: str) -> Any:
        key = self._keys.get(kid)
        now = self._clock()
        if key is not None:
            stale = self._fetched_at is not None and now - self._fetched_at > self._max_age
            if stale and (self._background is None or self._background.done()):
                self._background = asyncio.create_task(self._refresh_quietly())
            return key
        # Without any key (the issuer was down at start) every request waits for keys: retry
        # within a second, not min_refresh.
        wait = self._min_refresh if self._keys else min(1.0, self._min_refresh)
        async with self._lock:  # one fetch for all the requests waiting on the same new kid
            key = self._keys.get(kid)
            if key is None and (self._tried_at is None or self._clock() - self._tried_at >= wait):
                await self._refresh_quietly()
                key = self._keys.get(kid)
        if key is not None:
            return key
        if not self._keys:
            raise KeysUnavailable("The token signing keys could not be loaded.")
        raise _invalid("unknown_kid", "Token was signed with an unknown key.")


class PemFileKeySource:
    """One RSA public key from a PEM file; its kid is the monolith's (SHA-256 of the file,
    first 16 hex digits). The file is re-read when it changed and an unknown kid shows up."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime = -1.0
        self._kid = ""
        self._key: RSAPublicKey | None = None
        self._load()

    def _load(self) -> None:
        mtime = self._path.stat().st_mtime
        if mtime == self._mtime:
            return
        pem = self._path.read_bytes()
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, RSAPublicKey):
            raise ValueError(f"{self._path} does not hold an RSA public key")
        self._key, self._kid, self._mtime = key, pem_key_id(pem), mtime

    @property
    def kid(self) -> str:
        return self._kid

    @property
    def loaded(self) -> bool:
        return self._key is not None

    async def key_for(self, kid: str) -> Any:
        if kid != self._kid:
            try:
                self._load()
            except (OSError, ValueError) as exc:
                logger.warning("could not re-read %s: %s", self._path, exc)
        if kid != self._kid:
            raise _invalid("unknown_kid", "Token was signed with an unknown key.")
        return self._key


def pem_key_id(pem: bytes) -> str:
    """The kid the shop's services give a key (``strangler.auth.kid``)."""
    return kid_for(pem)


def url_fetcher(url: str, *, timeout: float = 5.0) -> Callable[[], Awaitable[bytes]]:
    """A ``fetch_jwks`` for a plain URL (``GATEWAY_JWKS_URL``); rare, so a thread is fine."""

    def get() -> bytes:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
            if status != 200:
                raise OSError(f"GET {url} answered {status}")
            body: bytes = response.read()
            return body

    async def fetch() -> bytes:
        return await asyncio.to_thread(get)

    return fetch

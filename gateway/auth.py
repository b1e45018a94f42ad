"""Bearer JWT verification at the gateway: RS256 only, keys from a pluggable source.

Every rejection is an :class:`AuthError` whose ``code`` is what the client sees (the same codes
the monolith answers with, so the black-box suite passes through the gateway unchanged:
``not_authenticated`` without a token, ``invalid_token`` for a bad one) and whose ``reason``
names the exact case (``expired``, ``alg_not_allowed``, ``unknown_kid``, ...) for logs, tests
and the ``details`` of the error body.

Verified tokens are cached (bounded LRU keyed by the header value, each entry dropped at the
token's ``exp``), so a client re-using its token costs a dict lookup, not an RSA verify. The
price: a key withdrawn from the JWKS stops new tokens at once, but tokens already verified with
it pass until they expire (access tokens live 15 minutes).
The keys come from a :class:`KeySource`: the monolith's JWKS at stage 1, the identity service's
at stage 5, or a PEM file.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import exceptions as jwt_errors
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
MAX_TOKEN_BYTES = 8192
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "aud", "sub", "typ"]


class AuthError(Exception):
    """The request is not authenticated. ``status`` is the HTTP status to answer with."""

    status: ClassVar[int] = 401

    def __init__(self, code: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message

    @property
    def details(self) -> dict[str, str]:
        return {"reason": self.reason}


class KeysUnavailable(AuthError):
    """No key could be loaded at all (the key source is down): the gateway's fault, a 503."""

    status: ClassVar[int] = 503

    def __init__(self, message: str) -> None:
        super().__init__("service_unavailable", "keys_unavailable", message)


def _invalid(reason: str, message: str) -> AuthError:
    return AuthError("invalid_token", reason, message)


@dataclass(frozen=True)
class Identity:
    """The verified caller: ``user_id`` is the token's subject, ``claims`` all its claims."""

    user_id: str
    claims: Mapping[str, Any]


class KeySource(Protocol):
    async def key_for(self, kid: str) -> Any:
        """The verification key of ``kid``; raises :class:`AuthError` (``unknown_kid``)."""
        ...


# --- key sources ---------------------------------------------------------------------------


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
    """The kid the monolith gives its key (``strangler.auth.keys.key_id``)."""
    return hashlib.sha256(pem).hexdigest()[:16]


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


# --- the verifier --------------------------------------------------------------------------

# PyJWT < 2.10 has no InvalidSubjectError (the subject is checked below in any case).
_INVALID_SUBJECT: type[jwt_errors.PyJWTError] = getattr(
    jwt_errors, "InvalidSubjectError", jwt_errors.MissingRequiredClaimError
)
_PYJWT_ERRORS: tuple[tuple[type[jwt_errors.PyJWTError], str, str], ...] = (
    (jwt_errors.InvalidIssuerError, "wrong_issuer", "Token was issued by someone else."),
    (jwt_errors.InvalidAudienceError, "wrong_audience", "Token is meant for another audience."),
    (jwt_errors.InvalidSignatureError, "bad_signature", "Token signature does not verify."),
    (jwt_errors.MissingRequiredClaimError, "missing_claim", "Token lacks a required claim."),
    (_INVALID_SUBJECT, "bad_subject", "Token subject is not valid."),
    (jwt_errors.InvalidAlgorithmError, "alg_not_allowed", f"Token algorithm must be {ALGORITHM}."),
    (jwt_errors.DecodeError, "malformed", "Token is not a well-formed JWT."),
)


class TokenVerifier:
    """Turns an ``Authorization`` header value into an :class:`Identity` or an AuthError."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway: float = 0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._cache_size = cache_size
        self._clock = clock
        self._cache: OrderedDict[bytes, tuple[Identity, float]] = OrderedDict()
        self.verifications = 0  # signature checks actually done (the cache's misses)

    async def verify(self, authorization: bytes) -> Identity:
        cached = self._cache.get(authorization)
        if cached is not None:
            identity, expires = cached
            if self._clock() < expires:
                self._cache.move_to_end(authorization)
                return identity
            del self._cache[authorization]
        identity, expires = await self._verify(authorization)
        self._cache[authorization] = (identity, expires)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return identity

    async def _verify(self, authorization: bytes) -> tuple[Identity, float]:
        token = _bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError as exc:
            raise _invalid("malformed", "Token is not a well-formed JWT.") from exc
        if header.get("alg") != ALGORITHM:
            raise _invalid("alg_not_allowed", f"Token algorithm must be {ALGORITHM}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _invalid("missing_kid", "Token does not name its signing key (kid).")
        key = await self._keys.key_for(kid)
        self.verifications += 1
        try:
            # Times are checked below on the verifier's clock (the same one the cache uses).
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt_errors.PyJWTError as exc:
            for error_type, reason, message in _PYJWT_ERRORS:
                if isinstance(exc, error_type):
                    raise _invalid(reason, message) from exc
            raise _invalid("invalid", f"Token is invalid: {exc}.") from exc
        now = self._clock()
        expires, not_before = _timestamp(claims["exp"]), _timestamp(claims["nbf"])
        if now >= expires + self._leeway:
            raise _invalid("expired", "Token has expired.")
        if now < not_before - self._leeway:
            raise _invalid("not_yet_valid", "Token is not valid yet.")
        if claims.get("typ") != "access":
            raise _invalid("wrong_type", "Expected an access token.")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _invalid("bad_subject", "Token subject is not valid.")
        identity = Identity(user_id=subject, claims=MappingProxyType(claims))
        return identity, expires + self._leeway


def _timestamp(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _invalid("bad_time_claim", "Token exp/nbf must be numeric dates.")
    return float(value)


def _bearer_token(authorization: bytes) -> str:
    value = authorization.strip()
    if not value:
        raise AuthError(
            "not_authenticated", "missing", "Authentication credentials were not provided."
        )
    scheme, _, token = value.partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token:
        raise _invalid("bad_scheme", "Authorization header must be 'Bearer <token>'.")
    if len(token) > MAX_TOKEN_BYTES:
        raise _invalid("malformed", "Token is not a well-formed JWT.")
    try:
        return token.decode("ascii")
    except UnicodeDecodeError as exc:
        raise _invalid("malformed", "Token is not a well-formed JWT.") from exc

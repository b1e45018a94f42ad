"""The token check: an ``Authorization`` header value in, an Identity or an AuthError out.

RS256 only (the algorithm is pinned, never ``none``, never HS256 signed with the public key),
``kid`` required and known to the key source, ``exp``/``nbf``/``iss``/``aud`` and
``typ=access`` checked on the verifier's clock. Verified tokens are cached (bounded LRU keyed
by the header value, each entry dropped at the token's ``exp``), so a client re-using its token
costs a dict lookup, not an RSA verify. The price: a key withdrawn from the JWKS stops new
tokens at once, but tokens already verified with it pass until they expire (access tokens
live 15 minutes).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import jwt
from jwt import exceptions as jwt_errors

from gateway.policy.auth.identity import ALGORITHM, AuthError, Identity, KeySource, _invalid

MAX_TOKEN_BYTES = 8192
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "aud", "sub", "typ"]

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

    @property
    def keys_loaded(self) -> bool:
        return self._keys.loaded

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

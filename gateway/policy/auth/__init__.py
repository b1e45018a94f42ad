"""Bearer JWT verification at the gateway: RS256 only, keys from a pluggable source.

One module per concern: ``identity`` (:class:`Identity`, :class:`AuthError` and its codes,
the :class:`KeySource` protocol), ``keys`` (the JWKS and PEM key sources) and ``verifier``
(:class:`TokenVerifier`: the checks and the cache of verified tokens). The keys come from the
monolith's JWKS at stage 1, the identity service's at stage 5, or a PEM file. Import from
here: these names are the package's interface.
"""

from __future__ import annotations

from gateway.policy.auth.identity import ALGORITHM, AuthError, Identity, KeySource, KeysUnavailable
from gateway.policy.auth.keys import (
    JwksKeySource,
    PemFileKeySource,
    parse_jwks,
    pem_key_id,
    url_fetcher,
)
from gateway.policy.auth.verifier import MAX_TOKEN_BYTES, REQUIRED_CLAIMS, TokenVerifier

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_BYTES",
    "REQUIRED_CLAIMS",
    "AuthError",
    "Identity",
    "JwksKeySource",
    "KeySource",
    "KeysUnavailable",
    "PemFileKeySource",
    "TokenVerifier",
    "parse_jwks",
    "pem_key_id",
    "url_fetcher",
]

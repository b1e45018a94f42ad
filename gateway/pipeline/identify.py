"""Who the caller is under a route's auth mode: the one auth rule of every path."""

from __future__ import annotations

from gateway.pipeline.context import Pipeline
from gateway.policy.auth import AuthError, Identity

Verified = tuple[Identity | None, AuthError | None]


def missing_credentials() -> AuthError:
    return AuthError(
        "not_authenticated", "missing", "Authentication credentials were not provided."
    )


async def identify(
    pipeline: Pipeline, mode: str, authorization: bytes | None, verified: Verified | None = None
) -> Verified:
    """The identity (or why the request is refused) under ``mode`` (none, optional, required):
    no token is fine unless required, a token sent is always checked unless the mode is none.
    ``verified`` is the token's verdict when it was already asked for."""
    if mode == "none":
        return None, None
    if authorization is None:
        return None, missing_credentials() if mode == "required" else None
    if verified is not None:
        return verified
    return await pipeline.verify(authorization)

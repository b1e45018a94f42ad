"""What token verification yields and what it needs: the identity, the errors, the key source.

Every rejection is an :class:`AuthError` whose ``code`` is what the client sees (the same codes
the monolith answers with, so the black-box suite passes through the gateway unchanged:
``not_authenticated`` without a token, ``invalid_token`` for a bad one) and whose ``reason``
names the exact case (``expired``, ``alg_not_allowed``, ``unknown_kid``, ...) for logs, tests
and the ``details`` of the error body; :class:`KeysUnavailable` is the gateway's own 503.
A :class:`KeySource` gives the verification key of a ``kid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

ALGORITHM = "RS256"


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
    @property
    def loaded(self) -> bool:
        """Whether any key is known: until then no token can be verified."""
        ...

    async def key_for(self, kid: str) -> Any:
        """The verification key of ``kid``; raises :class:`AuthError` (``unknown_kid``)."""
        ...

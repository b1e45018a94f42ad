"""DRF authentication from a bearer JWT, without a database lookup.

Every service authenticates the same way: the verified token is the identity. Views see a
:class:`Principal` as ``request.user``. Verified tokens are cached (bounded LRU keyed by the
signing key and the token), as the gateway does: a client sends the same token with every
request, and PyJWT spends about half a millisecond of CPU parsing and verifying one. The expiry
is checked on every use, hit or miss.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from strangler.auth import keys
from strangler.auth.tokens import InvalidToken, decode

CACHE_SIZE = 10_000


class VerifiedTokens:
    """Access tokens verified before, with their claims; thread-safe (gunicorn's threads)."""

    def __init__(self, size: int = CACHE_SIZE, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self.clock = clock
        self._lock = threading.Lock()
        self._claims: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims; raises :class:`InvalidToken` as :func:`decode` does."""
        key = (keys.key_id(), token)
        with self._lock:
            claims = self._claims.get(key)
            if claims is not None:
                if float(claims["exp"]) > self.clock():
                    self._claims.move_to_end(key)
                    return claims
                del self._claims[key]  # expired: decode says so below
        claims = decode(token, "access")
        with self._lock:
            self._claims[key] = claims
            if len(self._claims) > self.size:
                self._claims.popitem(last=False)
        return claims

    def clear(self) -> None:
        with self._lock:
            self._claims.clear()


verified_tokens = VerifiedTokens()


@dataclass(frozen=True)
class Principal:
    """The authenticated customer. ``customer_id`` is the token's subject; ``roles`` the
    token's ``roles`` claim (``customer``, and ``admin`` for some), empty for a token without
    one (the monolith's, up to stage 4)."""

    customer_id: int
    email: str
    is_authenticated: bool = True
    is_staff: bool = False
    roles: tuple[str, ...] = ()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def pk(self) -> int:
        """What DRF's throttles and Django's helpers read as the user's key."""
        return self.customer_id


ADMIN = "admin"  # the role identity grants staff (``manage.py grant_role <id> admin``)


def role_required(role: str) -> type[permissions.BasePermission]:
    """A DRF permission for a view kept to holders of ``role``: a signed-in caller whose token
    lacks it gets 403 ``forbidden`` (no caller at all: 401, as with ``IsAuthenticated``)."""

    class RoleRequired(permissions.BasePermission):
        message = f"This needs the {role!r} role."

        def has_permission(self, request: Request, view: object) -> bool:
            has_role = getattr(request.user, "has_role", None)
            return bool(has_role and has_role(role))

    return RoleRequired


def _roles(claims: dict[str, Any]) -> tuple[str, ...]:
    roles = claims.get("roles", [])
    if not isinstance(roles, list):
        return ()
    return tuple(role for role in roles if isinstance(role, str))


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]] | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not token.strip():
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        try:
            claims = verified_tokens.claims(token.strip())
            principal = Principal(
                customer_id=int(claims["sub"]),
                email=str(claims.get("email", "")),
                roles=_roles(claims),
            )
        except (InvalidToken, ValueError) as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return principal, claims

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
        target_class = "strangler.auth.drf.BearerTokenAuthentication"
        name = "bearerAuth"

        def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
            return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

except ImportError:  # a service without drf-spectacular
    pass

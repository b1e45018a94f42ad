"""DRF authentication from a bearer JWT, without a database lookup.

Every service authenticates the same way: the verified token is the identity. Views see a
:class:`Principal` as ``request.user``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from strangler.auth.tokens import InvalidToken, decode


@dataclass(frozen=True)
class Principal:
    """The authenticated customer. ``customer_id`` is the token's subject."""

    customer_id: int
    email: str
    is_authenticated: bool = True
    is_staff: bool = False

    @property
    def pk(self) -> int:
        """What DRF's throttles and Django's helpers read as the user's key."""
        return self.customer_id


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
            claims = decode(token.strip(), "access")
            principal = Principal(
                customer_id=int(claims["sub"]), email=str(claims.get("email", ""))
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

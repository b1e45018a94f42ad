"""The route table as frozen values: what the gateway serves and what the nginx export writes.

Built only by :mod:`strangler.routing.table`, which validates everything first, so code that
holds a :class:`RouteTable` may trust it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

UpstreamProtocol = Literal["http", "grpc"]
Balance = Literal["round_robin", "least_conn"]
AuthMode = Literal["required", "optional", "none"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD"})  # a shadowed request of these is compared
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class HealthCheck:
    """Active checks. ``path`` is None for TCP-connect checks (gRPC upstreams)."""

    path: str | None
    interval: float
    timeout: float
    fall: int
    rise: int


@dataclass(frozen=True)
class Instance:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Upstream:
    name: str
    instances: tuple[Instance, ...]
    protocol: UpstreamProtocol
    balance: Balance
    connect_timeout: float
    health: HealthCheck | None
    eject_after: int


@dataclass(frozen=True)
class RateLimitPolicy:
    """GCRA with ``nodelay`` semantics: ``burst`` requests above the rate pass at once."""

    name: str
    rate_per_second: float
    burst: int
    rate: str  # as written, e.g. "10/m"; nginx keeps the unit


@dataclass(frozen=True)
class Rewrite:
    from_prefix: str
    to_prefix: str

    def apply(self, path: str) -> str:
        """``/api/v1/auth/token`` with ``/api/v1/auth -> /`` gives ``/token``."""
        rest = path[len(self.from_prefix) :]
        if self.to_prefix == "/":
            return rest if rest.startswith("/") else "/" + rest
        return self.to_prefix + rest


@dataclass(frozen=True)
class SplitTarget:
    upstream: str
    weight: int


@dataclass(frozen=True)
class Match:
    """Extra conditions: claim values compared as strings, header names lower-case."""

    claims: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


_SEGMENT = re.compile(r"\{([a-z_][a-z0-9_]*)(?::(int))?\}")


@dataclass(frozen=True)
class PathTemplate:
    """``/api/v1/orders/{order_id:int}/summary``: whole-path match, one segment per param."""

    text: str
    regex: re.Pattern[str] = field(compare=False)
    params: tuple[str, ...]

    @property
    def shape(self) -> str:
        """The template with parameter names erased: two templates with one shape overlap."""
        return _SEGMENT.sub(lambda m: "{int}" if m.group(2) else "{}", self.text)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(path)
        return found.groupdict() if found else None


def compile_template(text: str) -> PathTemplate:
    pattern = []
    params = []
    for segment in text.split("/")[1:]:
        param = _SEGMENT.fullmatch(segment)
        if param:
            params.append(param.group(1))
            body = "[0-9]+" if param.group(2) else "[^/]+"
            pattern.append(f"(?P<{param.group(1)}>{body})")
        else:
            pattern.append(re.escape(segment))
    return PathTemplate(text=text, regex=re.compile("/" + "/".join(pattern)), params=tuple(params))


@dataclass(frozen=True)
class Route:
    name: str
    index: int  # position in the file; ties are broken by file order
    prefix: str | None
    path: PathTemplate | None
    methods: frozenset[str] | None  # None: every method
    upstream: str | None
    split: tuple[SplitTarget, ...]
    handler: str | None  # "package.module:function"
    options: Mapping[str, Any]
    auth: AuthMode
    rate_limit: str | None
    timeout: float
    retries: int
    rewrite: Rewrite | None
    shadow: str | None  # the candidate upstream a copy of each request goes to
    match: Match | None
    # fields left out when a safe request's two JSON answers are compared (any depth)
    shadow_ignore: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """What the route is matched on: its prefix, or its template's shape."""
        if self.path is not None:
            return "path:" + self.path.shape
        return "prefix:" + (self.prefix or "")

    def allows(self, method: str) -> bool:
        return self.methods is None or method in self.methods


@dataclass(frozen=True)
class AuthConfig:
    jwks_upstream: str | None
    jwks_path: str | None
    issuer: str
    audience: str


@dataclass(frozen=True)
class RouteTable:
    source: str
    version: int
    upstreams: Mapping[str, Upstream]
    rate_limits: Mapping[str, RateLimitPolicy]
    routes: tuple[Route, ...]
    auth: AuthConfig

    def route(self, name: str) -> Route:
        for route in self.routes:
            if route.name == name:
                return route
        raise KeyError(name)

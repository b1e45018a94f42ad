"""The table-wide sections: ``rate_limits:``, ``defaults:`` and ``auth:``.

:class:`PolicyReader` reads the named rate-limit policies (``N/s`` or ``N/m`` plus a burst),
the defaults every route inherits (checked once, so a bad default is one problem, not one
per route), and the JWKS/issuer/audience settings the gateway checks tokens with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from strangler.routing.model import AuthConfig, RateLimitPolicy, Upstream
from strangler.routing.table.fields import NAME, FieldReader, path_problem

# The monolith's settings.JWT_ISSUER / JWT_AUDIENCE defaults (monolith/shop/settings.py).
DEFAULT_ISSUER = "shop-identity"
DEFAULT_AUDIENCE = "shop-api"

DEFAULT_KEYS = {"auth", "rate_limit", "timeout", "retries"}
_RATE = re.compile(r"([1-9][0-9]*)/([sm])")
_BUILTIN_DEFAULTS: dict[str, Any] = {
    "auth": "optional",
    "rate_limit": None,
    "timeout": 30.0,
    "retries": 0,
}


def rate_per_second(rate: object) -> float | None:
    """A policy's ``rate`` (``N/s`` or ``N/m``, N > 0) in requests per second; None if it is
    not one."""
    found = _RATE.fullmatch(rate) if isinstance(rate, str) else None
    if not found:
        return None
    return int(found.group(1)) / (1 if found.group(2) == "s" else 60)


class PolicyReader(FieldReader):
    def rate_limits(self, value: Any) -> dict[str, RateLimitPolicy]:
        policies: dict[str, RateLimitPolicy] = {}
        for name, spec in self.mapping(value, "rate_limits", set(value or {})).items():
            where = f"rate_limit {name}"
            if not isinstance(name, str) or not NAME.fullmatch(name):
                self.problem(where, "name must match [a-z0-9_-]+")
            fields = self.mapping(spec, where, {"rate", "burst"})
            rate = fields.get("rate")
            per_second = rate_per_second(rate)
            if per_second is None:
                self.problem(f"{where}.rate", f"must be 'N/s' or 'N/m' with N > 0, not {rate!r}")
                per_second = 1.0
            policies[str(name)] = RateLimitPolicy(
                name=str(name),
                rate_per_second=per_second,
                burst=self.count(fields.get("burst"), f"{where}.burst", 0, 0),
                rate=str(rate),
            )
        return policies

    def defaults(self, value: Any, rate_limits: Mapping[str, RateLimitPolicy]) -> dict[str, Any]:
        """Checked once here, so a bad default is one problem, not one per route."""
        given = dict(self.mapping(value, "defaults", DEFAULT_KEYS))
        if given.get("rate_limit") is not None and given["rate_limit"] not in rate_limits:
            self.problem("defaults.rate_limit", f"unknown rate limit {given['rate_limit']!r}")
            del given["rate_limit"]
        if "auth" in given:
            given["auth"] = self.choice(
                given["auth"], "defaults.auth", ("required", "optional", "none"), "optional"
            )
        if "timeout" in given:
            given["timeout"] = self.positive(given["timeout"], "defaults.timeout", 30.0)
        if "retries" in given:
            given["retries"] = self.count(given["retries"], "defaults.retries", 0, 0)
        return {**_BUILTIN_DEFAULTS, **given}

    def auth(self, value: Any, upstreams: Mapping[str, Upstream]) -> AuthConfig:
        fields = self.mapping(value, "auth", {"jwks", "issuer", "audience"})
        jwks = self.mapping(fields.get("jwks"), "auth.jwks", {"upstream", "path"})
        jwks_upstream = jwks.get("upstream")
        jwks_path = jwks.get("path")
        if jwks:
            if jwks_upstream not in upstreams:
                self.problem("auth.jwks.upstream", f"unknown upstream {jwks_upstream!r}")
            trouble = path_problem(jwks_path)
            if trouble:
                self.problem("auth.jwks.path", trouble)
        for key in ("issuer", "audience"):
            if key in fields and (not isinstance(fields[key], str) or not fields[key]):
                self.problem(f"auth.{key}", "must be a non-empty string")
        return AuthConfig(
            jwks_upstream=jwks_upstream,
            jwks_path=jwks_path,
            issuer=str(fields.get("issuer", DEFAULT_ISSUER)),
            audience=str(fields.get("audience", DEFAULT_AUDIENCE)),
        )

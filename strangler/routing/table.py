"""Load and validate a stage's route table (``gateway/routes/stage-N.yaml``).

Every problem is collected and reported at once, each named by its route and field, so a
typo costs one edit, not one reload per mistake. Unknown keys are errors anywhere: a
misspelt ``retires`` must not silently mean "no retries".
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import yaml

from strangler.routing.model import (
    IDEMPOTENT_METHODS,
    KNOWN_METHODS,
    AuthConfig,
    AuthMode,
    Balance,
    HealthCheck,
    Instance,
    Match,
    PathTemplate,
    RateLimitPolicy,
    Rewrite,
    Route,
    RouteTable,
    SplitTarget,
    Upstream,
    UpstreamProtocol,
    compile_template,
)

__all__ = [
    "IDEMPOTENT_METHODS",
    "KNOWN_METHODS",
    "AuthConfig",
    "HealthCheck",
    "Instance",
    "Match",
    "PathTemplate",
    "Ports",
    "RateLimitPolicy",
    "Rewrite",
    "Route",
    "RouteTable",
    "RouteTableError",
    "SplitTarget",
    "Upstream",
    "load_route_table",
    "parse_instance_override",
    "parse_route_table",
    "resolve_handler",
]

# The monolith's settings.JWT_ISSUER / JWT_AUDIENCE defaults (monolith/shop/settings.py).
DEFAULT_ISSUER = "shop-identity"
DEFAULT_AUDIENCE = "shop-api"

_NAME = re.compile(r"[a-z0-9_-]+")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_RATE = re.compile(r"([1-9][0-9]*)/([sm])")
_TEMPLATE_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[a-z_][a-z0-9_]*(?::int)?\}")
_TOP_KEYS = {"version", "upstreams", "rate_limits", "defaults", "routes", "auth"}
_UPSTREAM_KEYS = {"instances", "protocol", "balance", "connect_timeout", "health", "eject_after"}
_HEALTH_KEYS = {"path", "interval", "timeout", "fall", "rise"}
_DEFAULT_KEYS = {"auth", "rate_limit", "timeout", "retries"}
_ROUTE_KEYS = _DEFAULT_KEYS | {
    "name",
    "prefix",
    "path",
    "methods",
    "upstream",
    "split",
    "handler",
    "options",
    "rewrite",
    "shadow",
    "match",
}
_BUILTIN_DEFAULTS: dict[str, Any] = {
    "auth": "optional",
    "rate_limit": None,
    "timeout": 30.0,
    "retries": 0,
}


class RouteTableError(ValueError):
    """The table is not valid; ``problems`` lists each one, the message lists them all."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"route table {source}: {len(problems)} problem(s):\n{listing}")


class Ports(dict[str, int]):
    """The values of the ``{name}`` placeholders, and the instances that replace an upstream's.

    ``instances`` comes from the gateway's ``--upstream NAME=HOST:PORT[,HOST:PORT...]``: the
    upstream ``NAME`` gets exactly those instances, whatever the file lists. Both travel
    together so that every (re)load of the table applies both.
    """

    def __init__(
        self,
        ports: Mapping[str, int] | None = None,
        *,
        instances: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(ports or {})
        self.instances: dict[str, tuple[str, ...]] = {
            name: tuple(addresses) for name, addresses in (instances or {}).items()
        }


def parse_instance_override(text: str) -> tuple[str, tuple[str, ...]]:
    """``NAME=HOST:PORT[,HOST:PORT...]`` -> (name, addresses); ValueError saying what is wrong."""
    name, sep, rest = text.partition("=")
    if not sep or not _NAME.fullmatch(name):
        raise ValueError(f"expected NAME=HOST:PORT[,HOST:PORT...], got {text!r}")
    addresses = tuple(part.strip() for part in rest.split(","))
    for address in addresses:
        host, colon, port = address.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                f"{name}: {address!r} is not HOST:PORT with a port in 1..65535 (in {text!r})"
            )
    if len(set(addresses)) != len(addresses):
        raise ValueError(f"{name}: an instance is listed twice in {text!r}")
    return name, addresses


def load_route_table(
    path: Path,
    ports: Mapping[str, int],
    *,
    instances: Mapping[str, Sequence[str]] | None = None,
) -> RouteTable:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RouteTableError(str(path), [f"cannot read: {exc}"]) from exc
    return parse_route_table(data, ports, source=str(path), instances=instances)


def parse_route_table(
    data: Any,
    ports: Mapping[str, int],
    source: str,
    *,
    instances: Mapping[str, Sequence[str]] | None = None,
) -> RouteTable:
    """``instances`` (or, without it, ``ports.instances`` of a :class:`Ports`) replaces the
    instances of the upstreams it names; naming an upstream the table lacks is a problem."""
    if instances is None:
        instances = getattr(ports, "instances", None)
    parser = _Parser(ports, instances or {})
    table = parser.table(data, source)
    if parser.problems or table is None:
        raise RouteTableError(source, parser.problems or ["empty table"])
    return table


def resolve_handler(spec: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function; ImportError/AttributeError if it is not."""
    module_name, _, attribute = spec.partition(":")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise AttributeError(f"{spec} is not callable")
    return cast(Callable[..., Any], handler)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def path_problem(text: Any, *, template: bool = False) -> str | None:
    """Why ``text`` is not a usable prefix/path, or None."""
    if not isinstance(text, str) or not text.startswith("/"):
        return "must be a string starting with '/'"
    if text == "/":
        return None
    if "//" in text:
        return "must not contain '//'"
    if text.endswith("/"):
        return "must not end with '/' (except the root '/')"
    segments = text.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        return "must not contain '.' or '..' segments"
    if "%" in text or "\\" in text or "?" in text or "#" in text:
        return "must not contain '%', '\\', '?' or '#'"
    if template:
        bad = [s for s in segments if not _TEMPLATE_SEGMENT.fullmatch(s)]
        if bad:
            return f"bad segment {bad[0]!r} (use literals, {{name}} or {{name:int}})"
    elif "{" in text or "}" in text:
        return "a prefix cannot hold '{' or '}' (use path: for templates)"
    return None


class _Parser:
    def __init__(
        self, ports: Mapping[str, int], overrides: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.ports = ports
        self.overrides = dict(overrides or {})
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, allowed: set[str]) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(where, f"must be a mapping, not {type(value).__name__}")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def positive(self, value: Any, where: str, default: float | None = None) -> float:
        if value is None and default is not None:
            return default
        if not _is_number(value) or value <= 0:
            self.problem(where, f"must be a positive number, not {value!r}")
            return default or 1.0
        return float(value)

    def count(self, value: Any, where: str, default: int, minimum: int) -> int:
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(where, f"must be an integer >= {minimum}, not {value!r}")
            return default
        return value

    def choice(self, value: Any, where: str, allowed: Sequence[str], default: str) -> str:
        if value is None:
            return default
        if value not in allowed:
            self.problem(where, f"must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return str(value)

    # --- the table ---------------------------------------------------------------------------

    def table(self, data: Any, source: str) -> RouteTable | None:
        top = self.mapping(data, "table", _TOP_KEYS)
        if not top:
            if not self.problems:
                self.problem("table", "is empty")
            return None
        version = top.get("version")
        if version != 1:
            self.problem("version", f"must be 1, not {version!r}")
        upstreams = self.upstreams(top.get("upstreams"))
        rate_limits = self.rate_limits(top.get("rate_limits"))
        defaults = self.defaults(top.get("defaults"), rate_limits)
        auth = self.auth(top.get("auth"), upstreams)
        routes = self.routes(top.get("routes"), upstreams, rate_limits, defaults)
        self.check_overlaps(routes)
        return RouteTable(
            source=source,
            version=1,
            upstreams=upstreams,
            rate_limits=rate_limits,
            routes=tuple(routes),
            auth=auth,
        )

    def upstreams(self, value: Any) -> dict[str, Upstream]:
        upstreams: dict[str, Upstream] = {}
        entries = self.mapping(value, "upstreams", set(value or {}))
        if not entries:
            self.problem("upstreams", "at least one upstream is required")
        for name, spec in entries.items():
            where = f"upstream {name}"
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                self.problem(where, "name must match [a-z0-9_-]+")
            fields = self.mapping(spec, where, _UPSTREAM_KEYS)
            protocol = cast(
                UpstreamProtocol,
                self.choice(fields.get("protocol"), f"{where}.protocol", ("http", "grpc"), "http"),
            )
            balance = cast(
                Balance,
                self.choice(
                    fields.get("balance"),
                    f"{where}.balance",
                    ("round_robin", "least_conn"),
                    "round_robin",
                ),
            )
            override = self.overrides.get(str(name))
            upstreams[str(name)] = Upstream(
                name=str(name),
                instances=(
                    self.instances(list(override), f"--upstream {name}")
                    if override is not None
                    else self.instances(fields.get("instances"), f"{where}.instances")
                ),
                protocol=protocol,
                balance=balance,
                connect_timeout=self.positive(
                    fields.get("connect_timeout"), f"{where}.connect_timeout", 2.0
                ),
                health=self.health(fields.get("health"), f"{where}.health", protocol),
                eject_after=self.count(fields.get("eject_after"), f"{where}.eject_after", 3, 1),
            )
        for name in sorted(set(self.overrides) - set(upstreams)):
            known = ", ".join(sorted(upstreams)) or "none"
            self.problem(f"--upstream {name}", f"the table has no such upstream (it has: {known})")
        return upstreams

    def instances(self, value: Any, where: str) -> tuple[Instance, ...]:
        if not isinstance(value, list) or not value:
            self.problem(where, "must be a non-empty list of 'host:port'")
            return ()
        instances = []
        for raw in value:
            if not isinstance(raw, str):
                self.problem(where, f"{raw!r} is not a 'host:port' string")
                continue
            text = self.fill_placeholders(raw, where)
            if text is None:
                continue
            host, sep, port = text.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                self.problem(where, f"{raw!r} is not 'host:port' with a port in 1..65535")
                continue
            instance = Instance(host=host, port=int(port))
            if instance in instances:
                self.problem(where, f"{text!r} is listed twice")
            instances.append(instance)
        return tuple(instances)

    def fill_placeholders(self, raw: str, where: str) -> str | None:
        unknown = [name for name in _PLACEHOLDER.findall(raw) if name not in self.ports]
        if unknown:
            known = ", ".join(sorted(self.ports)) or "none given"
            for name in unknown:
                self.problem(where, f"unknown placeholder {{{name}}} (ports known: {known})")
            return None
        return _PLACEHOLDER.sub(lambda m: str(self.ports[m.group(1)]), raw)

    def health(self, value: Any, where: str, protocol: str) -> HealthCheck | None:
        if value is None:
            return None
        fields = self.mapping(value, where, _HEALTH_KEYS)
        path = fields.get("path")
        if protocol == "grpc":
            if path is not None:
                self.problem(f"{where}.path", "grpc upstreams are checked by TCP connect: no path")
        else:
            path = "/health/ready" if path is None else path
            trouble = path_problem(path)
            if trouble:
                self.problem(f"{where}.path", trouble)
        interval = self.positive(fields.get("interval"), f"{where}.interval", 2.0)
        timeout = self.positive(fields.get("timeout"), f"{where}.timeout", 1.0)
        return HealthCheck(
            path=path,
            interval=interval,
            timeout=timeout,
            fall=self.count(fields.get("fall"), f"{where}.fall", 2, 1),
            rise=self.count(fields.get("rise"), f"{where}.rise", 2, 1),
        )

    def rate_limits(self, value: Any) -> dict[str, RateLimitPolicy]:
        policies: dict[str, RateLimitPolicy] = {}
        for name, spec in self.mapping(value, "rate_limits", set(value or {})).items():
            where = f"rate_limit {name}"
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                self.problem(where, "name must match [a-z0-9_-]+")
            fields = self.mapping(spec, where, {"rate", "burst"})
            rate = fields.get("rate")
            found = _RATE.fullmatch(rate) if isinstance(rate, str) else None
            if not found:
                self.problem(f"{where}.rate", f"must be 'N/s' or 'N/m' with N > 0, not {rate!r}")
                per_second = 1.0
            else:
                per_second = int(found.group(1)) / (1 if found.group(2) == "s" else 60)
            policies[str(name)] = RateLimitPolicy(
                name=str(name),
                rate_per_second=per_second,
                burst=self.count(fields.get("burst"), f"{where}.burst", 0, 0),
                rate=str(rate),
            )
        return policies

    def defaults(self, value: Any, rate_limits: Mapping[str, RateLimitPolicy]) -> dict[str, Any]:
        """Checked once here, so a bad default is one problem, not one per route."""
        given = dict(self.mapping(value, "defaults", _DEFAULT_KEYS))
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

    # --- routes ------------------------------------------------------------------------------

    def routes(
        self,
        value: Any,
        upstreams: Mapping[str, Upstream],
        rate_limits: Mapping[str, RateLimitPolicy],
        defaults: Mapping[str, Any],
    ) -> list[Route]:
        if not isinstance(value, list) or not value:
            self.problem("routes", "must be a non-empty list")
            return []
        routes = []
        seen: set[str] = set()
        for index, spec in enumerate(value):
            name = spec.get("name") if isinstance(spec, Mapping) else None
            where = f"route {name}" if isinstance(name, str) else f"route #{index + 1}"
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                self.problem(where, f"name must match [a-z0-9_-]+, not {name!r}")
            elif name in seen:
                self.problem(where, "duplicate route name")
            seen.add(str(name))
            fields = {**defaults, **self.mapping(spec, where, _ROUTE_KEYS)}
            route = self.route(index, str(name), where, fields, upstreams, rate_limits)
            if route is not None:
                routes.append(route)
        return routes

    def route(
        self,
        index: int,
        name: str,
        where: str,
        fields: Mapping[str, Any],
        upstreams: Mapping[str, Upstream],
        rate_limits: Mapping[str, RateLimitPolicy],
    ) -> Route | None:
        prefix, template = self.route_path(fields, where)
        targets = [key for key in ("upstream", "split", "handler") if fields.get(key) is not None]
        if len(targets) != 1:
            self.problem(where, f"needs exactly one of upstream/split/handler, has {targets or 0}")
        upstream = fields.get("upstream")
        if upstream is not None and upstream not in upstreams:
            self.problem(f"{where}.upstream", f"unknown upstream {upstream!r}")
        shadow = fields.get("shadow")
        if shadow is not None and shadow not in upstreams:
            self.problem(f"{where}.shadow", f"unknown upstream {shadow!r}")
        rate_limit = fields.get("rate_limit")
        if rate_limit is not None and rate_limit not in rate_limits:
            self.problem(f"{where}.rate_limit", f"unknown rate limit {rate_limit!r}")
        auth = cast(
            AuthMode,
            self.choice(
                fields.get("auth"), f"{where}.auth", ("required", "optional", "none"), "required"
            ),
        )
        options = self.mapping(
            fields.get("options"), f"{where}.options", set(fields.get("options") or {})
        )
        handler = fields.get("handler")
        if handler is not None:
            self.check_handler(handler, options, where, upstreams)
        elif fields.get("options") is not None:
            self.problem(f"{where}.options", "only a handler route takes options")
        if prefix is None and template is None:
            return None
        return Route(
            name=name,
            index=index,
            prefix=prefix,
            path=template,
            methods=self.methods(fields.get("methods"), f"{where}.methods"),
            upstream=upstream,
            split=self.split(fields.get("split"), f"{where}.split", upstreams),
            handler=handler,
            options=dict(options),
            auth=auth,
            rate_limit=rate_limit,
            timeout=self.positive(fields.get("timeout"), f"{where}.timeout", 30.0),
            retries=self.count(fields.get("retries"), f"{where}.retries", 0, 0),
            rewrite=self.rewrite(fields.get("rewrite"), f"{where}.rewrite", prefix),
            shadow=shadow,
            match=self.match(fields.get("match"), f"{where}.match"),
        )

    def route_path(
        self, fields: Mapping[str, Any], where: str
    ) -> tuple[str | None, PathTemplate | None]:
        prefix, path = fields.get("prefix"), fields.get("path")
        if (prefix is None) == (path is None):
            self.problem(where, "needs exactly one of prefix/path")
            return None, None
        if prefix is not None:
            trouble = path_problem(prefix)
            if trouble:
                self.problem(f"{where}.prefix", f"{prefix!r} {trouble}")
                return None, None
            return prefix, None
        trouble = path_problem(path, template=True)
        if trouble:
            self.problem(f"{where}.path", f"{path!r} {trouble}")
            return None, None
        template = compile_template(str(path))
        if len(set(template.params)) != len(template.params):
            self.problem(f"{where}.path", f"{path!r} repeats a parameter name")
        return None, template

    def methods(self, value: Any, where: str) -> frozenset[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.problem(where, "must be a non-empty list of HTTP methods")
            return None
        bad = [m for m in value if m not in KNOWN_METHODS]
        if bad:
            allowed = ", ".join(sorted(KNOWN_METHODS))
            self.problem(where, f"unknown method(s) {bad!r} (upper case, one of {allowed})")
        return frozenset(m for m in value if m in KNOWN_METHODS) or None

    def split(
        self, value: Any, where: str, upstreams: Mapping[str, Upstream]
    ) -> tuple[SplitTarget, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) < 2:
            self.problem(where, "must list at least two {upstream, weight} entries")
            return ()
        targets = []
        for position, entry in enumerate(value):
            fields = self.mapping(entry, f"{where}[{position}]", {"upstream", "weight"})
            upstream, weight = fields.get("upstream"), fields.get("weight")
            if upstream not in upstreams:
                self.problem(f"{where}[{position}].upstream", f"unknown upstream {upstream!r}")
            if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
                self.problem(
                    f"{where}[{position}].weight", f"must be a positive integer, not {weight!r}"
                )
                weight = 0
            targets.append(SplitTarget(upstream=str(upstream), weight=weight))
        total = sum(target.weight for target in targets)
        if total != 100 and all(target.weight > 0 for target in targets):
            self.problem(where, f"weights must sum to 100, not {total}")
        return tuple(targets)

    def rewrite(self, value: Any, where: str, prefix: str | None) -> Rewrite | None:
        if value is None:
            return None
        fields = self.mapping(value, where, {"from", "to"})
        source, target = fields.get("from"), fields.get("to")
        if prefix is None:
            self.problem(where, "only a prefix route can rewrite")
            return None
        for key, text in (("from", source), ("to", target)):
            trouble = path_problem(text)
            if trouble:
                self.problem(f"{where}.{key}", f"{text!r} {trouble}")
                return None
        assert isinstance(source, str) and isinstance(target, str)
        if not (prefix == source or source == "/" or prefix.startswith(source + "/")):
            self.problem(f"{where}.from", f"{source!r} is not a prefix of the route's {prefix!r}")
            return None
        return Rewrite(from_prefix=source, to_prefix=target)

    def match(self, value: Any, where: str) -> Match | None:
        if value is None:
            return None
        fields = self.mapping(value, where, {"claims", "headers"})
        pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        for key in ("claims", "headers"):
            entries = self.mapping(fields.get(key), f"{where}.{key}", set(fields.get(key) or {}))
            for entry_name, expected in entries.items():
                if not isinstance(entry_name, str) or not _is_scalar(expected):
                    self.problem(f"{where}.{key}.{entry_name}", "must map a name to a scalar value")
            normalise = str.lower if key == "headers" else str
            pairs[key] = tuple(
                sorted((normalise(str(k)), _scalar_text(v)) for k, v in entries.items())
            )
        if not pairs["claims"] and not pairs["headers"]:
            self.problem(where, "needs at least one claim or header")
            return None
        return Match(claims=pairs["claims"], headers=pairs["headers"])

    def check_handler(
        self, handler: Any, options: Mapping[str, Any], where: str, upstreams: Mapping[str, Any]
    ) -> None:
        if not isinstance(handler, str) or not re.fullmatch(r"[\w.]+:\w+", handler):
            self.problem(f"{where}.handler", f"must be 'package.module:function', not {handler!r}")
            return
        try:
            resolve_handler(handler)
        except Exception as exc:  # any failure to import is a bad table, never a crash
            self.problem(f"{where}.handler", f"cannot import {handler!r}: {exc!r}")
        named = options.get("upstreams")
        if named is None:
            return
        if not isinstance(named, Mapping):
            self.problem(f"{where}.options.upstreams", "must map a part name to an upstream")
            return
        for part, upstream in named.items():
            if upstream not in upstreams:
                self.problem(f"{where}.options.upstreams.{part}", f"unknown upstream {upstream!r}")

    def check_overlaps(self, routes: Sequence[Route]) -> None:
        by_key: dict[str, list[Route]] = {}
        for route in routes:
            by_key.setdefault(route.key, []).append(route)
        for group in by_key.values():
            for later_position, later in enumerate(group):
                for earlier in group[:later_position]:
                    trouble = _conflict(earlier, later)
                    if trouble:
                        self.problem(f"route {later.name}", trouble)
                        break


def _covers(methods: frozenset[str] | None, others: frozenset[str] | None) -> bool:
    return methods is None or (others is not None and others <= methods)


def _overlap(methods: frozenset[str] | None, others: frozenset[str] | None) -> bool:
    return methods is None or others is None or bool(methods & others)


def _conflict(earlier: Route, later: Route) -> str | None:
    where = earlier.prefix if earlier.prefix is not None else earlier.path and earlier.path.text
    if earlier.match is None and _covers(earlier.methods, later.methods):
        return f"shadowed by route {earlier.name} ({where}, earlier, no match, same methods)"
    if earlier.match == later.match and _overlap(earlier.methods, later.methods):
        return f"overlaps route {earlier.name} ({where}, same match, overlapping methods)"
    return None


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):  # YAML true -> "true", as a JSON claim would print
        return "true" if value else "false"
    return str(value)

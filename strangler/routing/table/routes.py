"""The ``routes:`` section: each route entry, its target, and the handler it may name.

:class:`RouteReader` walks the route list (names unique, defaults merged in), checks that a
route has exactly one target (an upstream, a split or a handler), that every upstream and
rate limit it names exists, and that a handler's module and function are there (a handler
module that fails while it is imported raises); :func:`resolve_handler` turns a
``package.module:function`` spec into the function for the gateway."""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from strangler.routing.model import AuthMode, RateLimitPolicy, Route, Upstream
from strangler.routing.table.fields import NAME
from strangler.routing.table.policies import DEFAULT_KEYS
from strangler.routing.table.route_parts import RoutePartsReader

_ROUTE_KEYS = DEFAULT_KEYS | {
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


def resolve_handler(spec: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function; ImportError/AttributeError if it is not."""
    module_name, _, attribute = spec.partition(":")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise AttributeError(f"{spec} is not callable")
    return cast(Callable[..., Any], handler)


def _missing_handler(spec: str) -> str:
    """Why ``spec`` names no function, or "" when it does.

    Only a module or function that is not there is a bad table; a handler module that fails
    while it is imported is broken code, and its error propagates to the caller.
    """
    module_name, _, attribute = spec.partition(":")
    try:
        found = importlib.util.find_spec(module_name)
    except ModuleNotFoundError as exc:  # a parent package of the module is not there
        if exc.name is None or not f"{module_name}.".startswith(f"{exc.name}."):
            raise
        found = None
    if found is None:
        return f"no module named {module_name!r}"
    if not callable(getattr(importlib.import_module(module_name), attribute, None)):
        return f"{module_name} has no function {attribute!r}"
    return ""


class RouteReader(RoutePartsReader):
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
            if not isinstance(name, str) or not NAME.fullmatch(name):
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
        shadow, shadow_ignore = self.shadow(fields.get("shadow"), f"{where}.shadow", upstreams)
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
            shadow_ignore=shadow_ignore,
        )

    def shadow(
        self, value: Any, where: str, upstreams: Mapping[str, Upstream]
    ) -> tuple[str | None, frozenset[str]]:
        """``shadow: NAME`` or ``shadow: {upstream: NAME, ignore: [field, ...]}``."""
        if value is None:
            return None, frozenset()
        ignore: Any = []
        if isinstance(value, Mapping):
            fields = self.mapping(value, where, {"upstream", "ignore"})
            value, ignore = fields.get("upstream"), fields.get("ignore") or []
            where = f"{where}.upstream"
        if not isinstance(value, str) or value not in upstreams:
            self.problem(where, f"unknown upstream {value!r}")
            return None, frozenset()
        if not isinstance(ignore, list) or not all(
            isinstance(name, str) and name for name in ignore
        ):
            self.problem(f"{where.removesuffix('.upstream')}.ignore", "must list field names")
            return value, frozenset()
        return value, frozenset(ignore)

    def check_handler(
        self, handler: Any, options: Mapping[str, Any], where: str, upstreams: Mapping[str, Any]
    ) -> None:
        if not isinstance(handler, str) or not re.fullmatch(r"[\w.]+:\w+", handler):
            self.problem(f"{where}.handler", f"must be 'package.module:function', not {handler!r}")
            return
        missing = _missing_handler(handler)
        if missing:
            self.problem(f"{where}.handler", f"cannot import {handler!r}: {missing}")
        named = options.get("upstreams")
        if named is None:
            return
        if not isinstance(named, Mapping):
            self.problem(f"{where}.options.upstreams", "must map a part name to an upstream")
            return
        for part, upstream in named.items():
            if upstream not in upstreams:
                self.problem(f"{where}.options.upstreams.{part}", f"unknown upstream {upstream!r}")

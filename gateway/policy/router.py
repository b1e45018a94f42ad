"""Route matching, compiled once per table: templated paths, then the longest prefix.

The longest prefix is found by dropping the path's last segment until a prefix matches, so
matching costs a few dict look-ups whatever the table's size; results are cached per path.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from strangler.routing.model import KNOWN_METHODS, Match, PathTemplate, Route, RouteTable

RESERVED = frozenset({"/health/live", "/health/ready", "/metrics", "/_gateway/verify"})
_CACHE_SIZE = 4096
_NO_PARAMS: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True)
class Candidates:
    """The routes that share the matched path or prefix, in file order."""

    routes: tuple[Route, ...]
    params: Mapping[str, str]
    allow: str  # the Allow header if no route takes the method

    def select(self, method: str, holds: Callable[[Match], bool]) -> Route | None:
        for route in self.routes:
            if (route.methods is None or method in route.methods) and (
                route.match is None or holds(route.match)
            ):
                return route
        return None

    def method_allowed(self, method: str) -> bool:
        return any(route.methods is None or method in route.methods for route in self.routes)


class Router:
    def __init__(self, table: RouteTable) -> None:
        self.table = table
        templates: dict[str, list[Route]] = {}
        prefixes: dict[str, list[Route]] = {}
        for route in table.routes:
            if route.path is not None:
                templates.setdefault(route.path.shape, []).append(route)
            elif route.prefix is not None:
                prefixes.setdefault(route.prefix, []).append(route)
        self.templates: list[tuple[PathTemplate, tuple[Route, ...]]] = [
            (routes[0].path, tuple(routes))  # type: ignore[misc]
            for routes in templates.values()
        ]
        self.prefixes = {prefix: _candidates(routes) for prefix, routes in prefixes.items()}
        self._cache: dict[str, Candidates | None] = {}

    def candidates(self, path: str) -> Candidates | None:
        try:
            return self._cache[path]
        except KeyError:
            pass
        found = self._find(path)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[path] = found
        return found

    def _find(self, path: str) -> Candidates | None:
        for template, routes in self.templates:
            params = template.match(path)
            if params is not None:
                return _candidates(list(routes), params)
        prefixes = self.prefixes
        probe = path
        while probe:
            found = prefixes.get(probe)
            if found is not None:
                return found
            cut = probe.rfind("/")
            if cut <= 0:
                break
            probe = probe[:cut]
        return prefixes.get("/")


def _candidates(routes: list[Route], params: Mapping[str, str] = _NO_PARAMS) -> Candidates:
    methods: set[str] = set()
    for route in routes:
        methods |= route.methods if route.methods is not None else KNOWN_METHODS
    return Candidates(tuple(routes), params, ", ".join(sorted(methods)))


def split_upstream(route: Route, client_key: str) -> str:
    """Sticky weighted choice: one client key always lands in the same bucket (0..99)."""
    bucket = zlib.crc32(client_key.encode()) % 100
    for target in route.split:
        if bucket < target.weight:
            return target.upstream
        bucket -= target.weight
    return route.split[-1].upstream

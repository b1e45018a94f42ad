"""The parts of one route that stand alone: its path, methods, split, rewrite and match.

:class:`RoutePartsReader` reads each part of a route entry that needs no other part (besides
the rewrite, which must fit the route's prefix): ``prefix:``/``path:`` (a path template is
compiled here), ``methods:``, a weighted ``split:``, a prefix ``rewrite:`` and a canary
``match:`` on token claims or headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strangler.routing.model import (
    KNOWN_METHODS,
    Match,
    PathTemplate,
    Rewrite,
    SplitTarget,
    Upstream,
    compile_template,
)
from strangler.routing.table.fields import FieldReader, is_scalar, path_problem, scalar_text


class RoutePartsReader(FieldReader):
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
                if not isinstance(entry_name, str) or not is_scalar(expected):
                    self.problem(f"{where}.{key}.{entry_name}", "must map a name to a scalar value")
            normalise = str.lower if key == "headers" else str
            pairs[key] = tuple(
                sorted((normalise(str(k)), scalar_text(v)) for k, v in entries.items())
            )
        if not pairs["claims"] and not pairs["headers"]:
            self.problem(where, "needs at least one claim or header")
            return None
        return Match(claims=pairs["claims"], headers=pairs["headers"])

"""What gets exported, what is left out, and what is refused: the checks before writing.

:func:`plan_export` sorts the table's routes into proxied, handler and skipped ones (a canary
variant next to a plain route, a handler route without ``--handlers-upstream``), and raises
:class:`NginxExportError` naming every route nginx cannot serve the way the Python gateway
does (a match on claims or headers, one path split by method, a grpc upstream, token checks
without a verifier, an upstream name the export reserves), rather than exporting it wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strangler.routing.model import Route, RouteTable, Upstream
from strangler.routing.nginx.options import VERIFY_PATH, ExportOptions


class NginxExportError(ValueError):
    """The table uses something nginx cannot do; ``problems`` names each route and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"cannot export to nginx: {len(problems)} problem(s):\n{listing}")


@dataclass(frozen=True)
class ExportPlan:
    proxied: tuple[Route, ...]  # exported, in the file's order
    handlers: tuple[Route, ...]  # exported to the handlers upstream
    skipped: tuple[tuple[Route, str], ...]  # left out, with the reason written as a comment
    upstreams: tuple[Upstream, ...]  # the upstream blocks the locations need


def plan_export(table: RouteTable, options: ExportOptions) -> ExportPlan:
    problems: list[str] = []
    skipped: list[tuple[Route, str]] = []
    by_key: dict[str, list[Route]] = {}
    for route in table.routes:
        by_key.setdefault(route.key, []).append(route)
    kept: list[Route] = []
    for route in table.routes:
        siblings = [r for r in by_key[route.key] if r is not route]
        if route.match is not None:
            if any(sibling.match is None for sibling in siblings):
                skipped.append((route, "a canary variant (match on claims/headers): not exported"))
                continue
            problems.append(
                f"route {route.name}: nginx cannot match on token claims or headers "
                "(only a canary variant next to a plain route of the same path can be left out)"
            )
            continue
        if route.handler is not None and options.handlers_upstream is None:
            skipped.append(
                (route, f"answered by the handler {route.handler}: pass --handlers-upstream")
            )
            continue
        kept.append(route)
    for key, group in by_key.items():
        plain = [r for r in group if r in kept]
        if len(plain) > 1:
            listed = ", ".join(r.name for r in plain)
            problems.append(
                f"routes {listed}: one {key.replace(':', ' ', 1)} split by method across routes "
                "cannot be exported (nginx routes a location to one target)"
            )
    exact = {r.prefix for r in kept if r.prefix is not None}
    for route in kept:
        if route.path is not None and not route.path.params and route.path.text in exact:
            problems.append(f"route {route.name}: path {route.path.text} is also a prefix route")
    needs_verifier = [r.name for r in kept if r.handler is None and r.auth != "none"]
    if needs_verifier and options.verifier is None:
        problems.append(
            f"routes {', '.join(needs_verifier)} check tokens: pass --verifier HOST:PORT "
            f"(the Python gateway's {VERIFY_PATH}, used by auth_request)"
        )
    names: list[str] = []
    for route in kept:
        if route.handler is not None:
            continue
        targets = [route.upstream] if route.upstream else [t.upstream for t in route.split]
        for name in [*targets, route.shadow]:
            if name is None or name in names:
                continue
            if table.upstreams[name].protocol != "http":
                problems.append(f"route {route.name}: upstream {name} speaks grpc, not http")
            names.append(name)
    problems += [
        f"upstream {name}: names starting with 'gw_' are the export's own"
        for name in table.upstreams
        if name.startswith("gw_")
    ]
    if problems:
        raise NginxExportError(problems)
    return ExportPlan(
        proxied=tuple(r for r in kept if r.handler is None),
        handlers=tuple(r for r in kept if r.handler is not None),
        skipped=tuple(skipped),
        upstreams=tuple(table.upstreams[name] for name in names),
    )

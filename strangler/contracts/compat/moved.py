"""Endpoints of a service's committed document that a stage's gateway sends to another one.

The monolith's committed document (``docs/api/monolith-v1.yaml``) is the public contract, the
same at every stage; from stage 1 clients reach it through the gateway. When a stage extracts
a context, its route table sends the context's paths to the new service and the monolith stops
serving them (stage 2 retires the monolith's notifications). The monolith's own generated
document then lacks those endpoints, yet no client lost one: the same request, through the
gateway, reaches the service, whose own document is checked against its committed copy
(``docs/api/<service>-v1.yaml``). :func:`routed_elsewhere` tells
:func:`strangler.contracts.compat.openapi.compare` which removed endpoints moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from strangler.config import REPO_ROOT

if TYPE_CHECKING:
    from strangler.routing.model import Route, RouteTable
    from strangler.stages.manifest.model import Stage

# (METHOD, OpenAPI path) -> the upstream the endpoint moved to, or None: it did not move.
Moved = Callable[[str, str], str | None]

_PARAMETER = re.compile(r"\{[^}/]+\}")


def nowhere(method: str, path: str) -> str | None:
    return None


def routed_elsewhere(stage: Stage, service: str, root: Path = REPO_ROOT) -> Moved:
    """Where ``stage``'s route table sends each endpoint that ``service`` no longer serves: an
    upstream that is not one of ``service``'s processes. A route to a gateway handler goes
    where its options' ``upstreams`` go (the gRPC translation to the inventory service's
    server). A stage without a gateway moves nothing; neither does a handler with no upstream
    of its own, one that still asks ``service`` (the order summary's composition), or a split
    that still sends a share to ``service``."""
    if stage.routes is None:
        return nowhere
    from strangler.routing.table import load_route_table  # the gateway's tables: stage 1 on
    from strangler.stages.manifest import DEFAULT_PORTS

    table = load_route_table(root / stage.routes, DEFAULT_PORTS)
    own = {p.upstream for p in stage.processes if p.service == service and p.upstream}

    def moved(method: str, path: str) -> str | None:
        route = _route(table, method, _PARAMETER.sub("1", path))
        if route is None:
            return None
        targets = (
            [route.upstream]
            if route.upstream
            else [s.upstream for s in route.split] or _handler_upstreams(route)
        )
        if not targets or own.intersection(targets):
            return None
        return " / ".join(targets)

    return moved


def _handler_upstreams(route: Route) -> list[str]:
    upstreams = route.options.get("upstreams", {}) if route.handler else {}
    return sorted(set(upstreams.values())) if isinstance(upstreams, dict) else []


def _route(table: RouteTable, method: str, path: str) -> Route | None:
    """The route the gateway picks (``gateway.policy.router``): a path template first, in
    file order, else the longest prefix ending at a segment boundary."""
    for route in table.routes:
        if route.path is not None and route.path.match(path) is not None and route.allows(method):
            return route
    prefixed = [
        route
        for route in table.routes
        if route.prefix is not None
        and (path == route.prefix or path.startswith(route.prefix.rstrip("/") + "/"))
        and route.allows(method)
    ]
    return max(prefixed, key=lambda route: len(route.prefix or ""), default=None)

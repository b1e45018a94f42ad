"""Reading a whole table: the entry points and the parser that runs every section reader.

:func:`load_route_table` reads a YAML file; :func:`parse_route_table` takes the loaded data.
:class:`TableParser` combines the section readers (upstreams, policies, routes) in the order
the sections depend on each other, then runs the shadow/overlap checks, and either returns a
:class:`RouteTable` or raises one :class:`RouteTableError` listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from strangler.routing.model import Route, RouteTable
from strangler.routing.table.errors import RouteTableError
from strangler.routing.table.overlaps import route_conflicts
from strangler.routing.table.policies import PolicyReader
from strangler.routing.table.routes import RouteReader
from strangler.routing.table.upstreams import UpstreamReader

_TOP_KEYS = {"version", "upstreams", "rate_limits", "defaults", "routes", "auth"}


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
    parser = TableParser(ports, instances or {})
    table = parser.table(data, source)
    if parser.problems or table is None:
        raise RouteTableError(source, parser.problems or ["empty table"])
    return table


class TableParser(UpstreamReader, PolicyReader, RouteReader):
    def __init__(
        self, ports: Mapping[str, int], overrides: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        super().__init__()
        self.ports = ports
        self.overrides = dict(overrides or {})

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

    def check_overlaps(self, routes: Sequence[Route]) -> None:
        for later, trouble in route_conflicts(routes):
            self.problem(f"route {later.name}", trouble)

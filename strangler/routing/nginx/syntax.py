"""Writing nginx configuration text: indented lines and blocks, and values in nginx's syntax.

:class:`ConfigWriter` is the base every section writer extends: it holds the table, the
options and the export plan, and appends indented lines and ``name { ... }`` blocks. The
functions turn values into nginx's spelling: times, quoted strings, regexes, rates, a path
template's location regex and a split route's variable name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from strangler.routing.model import Route, RouteTable
from strangler.routing.nginx.options import ExportOptions
from strangler.routing.nginx.plan import ExportPlan


class ConfigWriter:
    def __init__(self, table: RouteTable, options: ExportOptions, plan: ExportPlan) -> None:
        self.table = table
        self.options = options
        self.plan = plan
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str = "") -> None:
        self.lines.append(("    " * self.depth + text) if text else "")

    def block(self, opener: str, body: Iterable[str]) -> None:
        self.line(opener + " {")
        self.depth += 1
        for text in body:
            self.line(text)
        self.depth -= 1
        self.line("}")


def seconds(value: float) -> str:
    """nginx time: whole seconds when exact, else milliseconds."""
    if value == int(value):
        return f"{int(value)}s"
    return f"{max(1, round(value * 1000))}ms"


def quote(text: str) -> str:
    """An nginx string literal; the JSON bodies we write hold no quote nginx would read."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def regex(pattern: str) -> str:
    """A regex as an nginx double-quoted string: nginx unescapes backslashes there once."""
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_rate(rate: str) -> str:
    number, unit = rate.split("/")
    return f"{number}r/{unit}"


def retry_after(rate_per_second: float) -> int:
    return max(1, math.ceil(1 / rate_per_second))


def location_regex(route: Route) -> str:
    assert route.path is not None
    pattern = route.path.regex.pattern
    return "^" + re.sub(r"\(\?P<[a-z0-9_]+>", "(?:", pattern) + "$"


def split_var(route: Route) -> str:
    return "$gw_split_" + route.name.replace("-", "_")

"""Moving a route to another upstream in a route table file, and telling the gateway.

The file is edited in place at the one scalar that changes (found through PyYAML's node
positions), so its comments and layout survive; the edited text is parsed as a route table
before it replaces the file (atomically), so a flip never writes a table the gateway would
refuse. The gateway re-reads its table on SIGHUP and keeps the old one if the new is bad.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from strangler.migrate.errors import MigrateError
from strangler.stages.state import StageState


class _AnyPort(Mapping[str, int]):
    """Every ``{name}`` placeholder known: a flip checks the table, not the ports."""

    def __getitem__(self, name: str) -> int:
        return 1

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class Retarget:
    path: Path
    text: str  # the edited file
    routes: tuple[str, ...]  # the names of the routes moved
    previous: str  # the upstream they were on


def _scalar(node: yaml.Node, key: str) -> yaml.ScalarNode | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.ScalarNode):
                return v
    return None


def retarget(path: Path, prefix: str, upstream: str) -> Retarget:
    """The file's text with every route on ``prefix`` sent to ``upstream``; a MigrateError
    (nothing written) if the file, the route or the upstream is not there."""
    try:
        text = path.read_text()
        root = yaml.compose(text)
    except (OSError, yaml.YAMLError) as exc:
        raise MigrateError(f"cannot read the route table {path}: {exc}") from None
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise MigrateError(f"{path} is not a route table")
    upstreams = data.get("upstreams") or {}
    if upstream not in upstreams:
        known = ", ".join(sorted(upstreams)) or "none"
        raise MigrateError(f"{path} has no upstream {upstream!r} (upstreams: {known})")
    routes = next((v for k, v in root.value if k.value == "routes"), None)
    found = [
        node
        for node in (routes.value if isinstance(routes, yaml.SequenceNode) else [])
        if (p := _scalar(node, "prefix")) is not None and p.value == prefix
    ]
    if not found:
        raise MigrateError(f"{path} has no route with the prefix {prefix!r}")
    edits, names, previous = [], [], set()
    for node in found:
        name = _scalar(node, "name")
        target = _scalar(node, "upstream")
        if target is None:
            label = name.value if name is not None else prefix
            raise MigrateError(f"route {label} has no single upstream (a split or a handler)")
        names.append(name.value if name is not None else prefix)
        previous.add(target.value)
        edits.append((target.start_mark.index, target.end_mark.index))
    if len(previous) != 1:
        raise MigrateError(f"the routes on {prefix} go to several upstreams: {sorted(previous)}")
    for start, end in sorted(edits, reverse=True):
        text = text[:start] + upstream + text[end:]
    # The route table and its parser arrive with the gateway (stage 1); backfill, verify and
    # sync work without them.
    try:
        from strangler.routing.table import RouteTableError, parse_route_table
    except ModuleNotFoundError:
        raise MigrateError("a flip moves a gateway route; the gateway comes with stage 1") from None
    try:
        parse_route_table(yaml.safe_load(text), _AnyPort(), source=str(path))
    except RouteTableError as exc:
        raise MigrateError(f"the edited table would be refused: {exc}") from None
    return Retarget(path=path, text=text, routes=tuple(names), previous=previous.pop())


def write(change: Retarget) -> None:
    """Replace the file at once: a gateway reloading meanwhile reads the old or the new."""
    temporary = change.path.with_name(f".{change.path.name}.flip")
    temporary.write_text(change.text)
    os.replace(temporary, change.path)


def gateway_pid(pid: int | None) -> int:
    """The running gateway's pid: ``--pid``, else the one the stage runner's state file names."""
    if pid is None:
        state = StageState.read()
        gateway = next((p for p in state.processes if p.name == "gateway"), None) if state else None
        if gateway is None or not gateway.running():
            raise MigrateError("no running gateway in the stage state file: pass --pid")
        return gateway.pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise MigrateError(f"no process {pid} (--pid): is the gateway running?") from None
    except PermissionError:
        raise MigrateError(f"process {pid} (--pid) is not ours to signal") from None
    return pid


def reload(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise MigrateError(
            f"the route table is written, but the gateway (pid {pid}) is gone: start it again"
        ) from None

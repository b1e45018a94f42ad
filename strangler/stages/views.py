"""What ``stage list``, ``stage show N`` and ``stage procfile N`` print."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from strangler.config import REPO_ROOT
from strangler.console import table
from strangler.stages.launcher import fill, processes_to_start
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, Stage, missing_paths


def stage_list() -> str:
    rows = []
    for stage in STAGES:
        missing = missing_paths(stage)
        rows.append(
            (
                stage.number,
                stage.tag,
                stage.title,
                ", ".join(p.name for p in stage.processes),
                "yes" if not missing else f"no, missing: {', '.join(missing)}",
            )
        )
    return table(["stage", "tag", "title", "processes", "runnable"], rows)


def route_rows(stage: Stage) -> list[tuple[str, ...]]:
    """The stage's routes, read from its route table file (no gateway code needed)."""
    if stage.routes is None:
        return []
    data = yaml.safe_load((REPO_ROOT / stage.routes).read_text()) or {}
    rows: list[tuple[str, ...]] = []
    for route in data.get("routes", []):
        if "upstream" in route:
            target = str(route["upstream"])
        elif "split" in route:
            target = " / ".join(f"{s['upstream']} {s['weight']}%" for s in route["split"])
        else:
            target = f"handler {route.get('handler', '?')}"
        rows.append(
            (
                str(route.get("name", "")),
                str(route.get("prefix") or route.get("path", "")),
                ",".join(route.get("methods", [])) or "any",
                target,
                str(route.get("auth", "none")),
                str(route.get("rate_limit") or "-"),
            )
        )
    return rows


def validate_routes(stage: Stage) -> str:
    """The gateway's own loader's verdict on the table (every problem, named)."""
    assert stage.routes is not None
    try:
        from strangler.routing.table import RouteTableError, load_route_table
    except ImportError:
        return "(route table not validated: strangler.routing is not in this checkout)"
    try:
        load_route_table(REPO_ROOT / stage.routes, DEFAULT_PORTS)
    except RouteTableError as exc:
        return f"ROUTE TABLE INVALID: {exc}"
    return "route table valid (strangler.routing.table.load_route_table)"


def route_upstreams(stage: Stage) -> dict[str, str]:
    """Upstream name -> protocol, from the route table."""
    if stage.routes is None or not (REPO_ROOT / stage.routes).is_file():
        return {}
    data = yaml.safe_load((REPO_ROOT / stage.routes).read_text()) or {}
    upstreams: Mapping[str, Any] = data.get("upstreams", {})
    return {name: str(spec.get("protocol", "http")) for name, spec in upstreams.items()}


def _id(name: str) -> str:
    return name.replace("-", "_")


def mermaid(stage: Stage) -> str:
    """A flowchart of the stage: client, gateway, services, their databases, the broker."""
    lines = ["flowchart LR", "  client([client])"]
    services = {p.service for p in stage.processes if p.name not in ("gateway", "flower")}
    for process in stage.processes:
        port = DEFAULT_PORTS.get(process.port_name)
        label = f"{process.name} :{port}" if port else process.name
        lines.append(f'  {_id(process.name)}["{label}"]')
    for service in sorted(services):
        lines.append(f"  {_id(service)}_db[({service} DB)]")
    lines.append("  broker[(broker)]")
    if "gateway" in {p.name for p in stage.processes}:
        lines.append("  client -->|HTTP| gateway")
        for name, protocol in route_upstreams(stage).items():
            for target in [p.name for p in stage.instances(name)] or [name]:
                lines.append(f"  gateway -->|{protocol}| {_id(target)}")
    else:
        lines.append(f"  client -->|HTTP| {_id(stage.entrypoint)}")
    for process in stage.processes:
        if process.name == "gateway":
            continue
        if process.name == "flower":
            lines.append("  flower -.->|events| broker")
            continue
        lines.append(f"  {_id(process.name)} --> {_id(process.service)}_db")
        if process.ready == "log":  # a Celery worker
            lines.append(f"  broker -->|tasks| {_id(process.name)}")
        elif process.ready == "http":
            lines.append(f"  {_id(process.name)} -.->|tasks| broker")
    for sub in stage.subscriptions:
        lines.append(f"  broker -->|{sub.event_type}| {_id(sub.consumer)}")
    return "\n".join(lines)


def stage_show(stage: Stage) -> str:
    out = [f"== {stage.tag}: {stage.title}", ""]
    out += [f"- {change}" for change in stage.changes]
    if stage.doc:
        out.append(f"- explained in {stage.doc}")
    missing = missing_paths(stage)
    if missing:
        out += ["", f"cannot run in this checkout, missing: {', '.join(missing)}"]
    out += ["", "Processes", ""]
    rows = [
        (
            p.name,
            p.service,
            DEFAULT_PORTS.get(p.port_name, "-"),
            f"{p.ready} {p.ready_path if p.ready == 'http' else p.ready_text}".strip(),
            p.live_path or "-",
            "optional" if p.optional else "",
            shlex.join(
                fill(
                    p.argv,
                    var="var/stage-N",
                    ports=DEFAULT_PORTS,
                    python="python",
                    own_port=p.port_name,
                )
            ),
        )
        for p in stage.processes
    ]
    out.append(table(["process", "service", "port", "ready", "live", "", "command"], rows))
    out += ["", "Settings (environment of every process)", ""]
    out.append(table(["variable", "value"], list(stage.settings)) if stage.settings else "(none)")
    out += ["", "Event subscriptions", ""]
    subs = [(s.event_type, s.consumer, s.queue or "-") for s in stage.subscriptions]
    out.append(table(["event", "consumer", "queue"], subs) if subs else "(none yet)")
    out += ["", f"Routes ({stage.routes or 'no gateway: clients call the monolith directly'})", ""]
    if stage.routes and (REPO_ROOT / stage.routes).is_file():
        headers = ["route", "path", "methods", "to", "auth", "rate limit"]
        out.append(table(headers, route_rows(stage)))
        out += ["", validate_routes(stage)]
    elif stage.routes:
        out.append("(route table not in the checkout yet)")
    out += ["", "Paths this stage introduces", ""]
    out += [f"  {path}" for path in stage.introduces] or ["  (the whole kit as it starts)"]
    if stage.retires:
        out += ["", "Paths this stage retires (gone from its tag and every later one)", ""]
        out += [f"  {path}" for path in stage.retires]
    out += ["", "Diagram (mermaid)", "", "```mermaid", mermaid(stage), "```"]
    return "\n".join(out)


def procfile(stage: Stage, ports: Mapping[str, int], var: Path) -> str:
    """A Procfile for honcho / foreman: same processes, same ports, no self-healing."""
    python = os.path.relpath(sys.executable, REPO_ROOT)
    python = python if not python.startswith("..") else sys.executable
    setup: Sequence[str] = [
        shlex.join(fill(step, var=var, ports=ports, python=python)) for step in stage.setup
    ]
    lines = [
        f"# {stage.tag}: {stage.title}",
        "# Run the set-up first:",
        *(f"#   {step}" for step in setup),
        "# then: honcho start -f <this file>",
    ]
    env = " ".join(f"{key}={shlex.quote(value)}" for key, value in stage.settings)
    for spec in processes_to_start(stage, with_optional=True):
        argv = shlex.join(
            fill(spec.argv, var=var, ports=ports, python=python, own_port=spec.port_name)
        )
        lines.append(f"{spec.name}: env {env} {argv}" if env else f"{spec.name}: {argv}")
    return "\n".join(lines) + "\n"

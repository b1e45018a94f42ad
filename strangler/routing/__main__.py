"""Route table commands.

``python -m strangler.routing check gateway/routes/stage-1.yaml`` validates a table and prints
its routes; ``python -m strangler.routing export-nginx --routes F --upstream-port monolith=8001
--listen 8000 --verifier 127.0.0.1:8000 --out nginx.conf`` writes the nginx configuration.
Exit status: 0 done, 1 the table (or its export) is not valid, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from strangler.routing.model import Route, RouteTable
from strangler.routing.nginx import DEFAULT_MAX_BODY, ExportOptions, NginxExportError, export_nginx
from strangler.routing.table import RouteTableError, load_route_table, parse_instance_override

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_-]+)\}")
# `check` without --upstream-port: placeholders get stand-in ports, printed back as {name}.
_STAND_IN_BASE = 60000


def _port_pair(text: str) -> tuple[str, int]:
    name, sep, port = text.partition("=")
    if not sep or not name or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected NAME=PORT, got {text!r}")
    return name, int(port)


def _instances(text: str) -> tuple[str, tuple[str, ...]]:
    try:
        return parse_instance_override(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _add_instance_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream-port",
        type=_port_pair,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="fills the {NAME} placeholders of the table; repeatable",
    )
    parser.add_argument(
        "--upstream",
        type=_instances,
        action="append",
        default=[],
        metavar="NAME=HOST:PORT[,HOST:PORT...]",
        help="the instances of upstream NAME, instead of the table's (as the gateway's flag)",
    )


def _size(text: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    found = re.fullmatch(r"([0-9]+)([kmg]?)", text.lower())
    if not found:
        raise argparse.ArgumentTypeError(f"expected a size such as 10m or 1048576, got {text!r}")
    return int(found.group(1)) * units[found.group(2)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m strangler.routing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a route table and print its routes")
    check.add_argument("routes", type=Path)
    _add_instance_options(check)

    export = commands.add_parser("export-nginx", help="write an nginx.conf for a route table")
    export.add_argument("--routes", type=Path, required=True)
    _add_instance_options(export)
    export.add_argument("--listen", default="8000", help="PORT or HOST:PORT (default 8000)")
    export.add_argument(
        "--verifier", help="HOST:PORT of the Python gateway, for auth_request token checks"
    )
    export.add_argument(
        "--handlers-upstream", help="HOST:PORT of a Python gateway answering handler routes"
    )
    export.add_argument("--max-body", type=_size, default=DEFAULT_MAX_BODY)
    export.add_argument("--workers", default="auto")
    export.add_argument("--access-log", default="access.log", help="path or 'off'")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    ports = dict(args.upstream_port)
    instances = dict(args.upstream)
    if len(instances) != len(args.upstream):
        parser.error("--upstream given more than once for one upstream")
    try:
        if args.command == "check":
            return _check(args.routes, ports, instances)
        return _export(args, ports, instances)
    except (RouteTableError, NginxExportError) as exc:
        print(exc, file=sys.stderr)
        return 1


def _check(path: Path, given: Mapping[str, int], instances: Mapping[str, tuple[str, ...]]) -> int:
    stand_ins = _stand_in_ports(path, given)
    table = load_route_table(path, {**stand_ins, **given}, instances=instances)
    back = {str(port): "{" + name + "}" for name, port in stand_ins.items()}
    print(_describe(table, back))
    return 0


def _stand_in_ports(path: Path, given: Mapping[str, int]) -> dict[str, int]:
    try:
        text = path.read_text()
    except OSError:
        return {}  # the loader reports the unreadable file
    names = sorted(set(_PLACEHOLDER.findall(text)) - set(given))
    return {name: _STAND_IN_BASE + index for index, name in enumerate(names)}


def _describe(table: RouteTable, placeholders: Mapping[str, str]) -> str:
    def address(text: str) -> str:
        host, _, port = text.rpartition(":")
        return f"{host}:{placeholders.get(port, port)}"

    lines = [f"{table.source}: valid, {len(table.routes)} routes"]
    lines.append("upstreams:")
    for upstream in table.upstreams.values():
        instances = ", ".join(address(i.address) for i in upstream.instances)
        lines.append(
            f"  {upstream.name:<16} {upstream.protocol:<5} {upstream.balance:<12} {instances}"
        )
    if table.rate_limits:
        lines.append("rate limits:")
        for policy in table.rate_limits.values():
            lines.append(f"  {policy.name:<16} {policy.rate} burst {policy.burst}")
    rows = [("ROUTE", "MATCH", "METHODS", "TARGET", "AUTH", "LIMIT", "TIMEOUT", "RETRIES")]
    rows += [_row(route) for route in table.routes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.append("routes (matched: templated paths, then longest prefix, then file order):")
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(lines)


def _row(route: Route) -> tuple[str, str, str, str, str, str, str, str]:
    where = f"path {route.path.text}" if route.path is not None else f"prefix {route.prefix}"
    if route.match is not None:
        conditions = [f"{k}={v}" for k, v in (*route.match.claims, *route.match.headers)]
        where += " if " + ",".join(conditions)
    if route.handler is not None:
        target = f"handler {route.handler}"
    elif route.split:
        target = " ".join(f"{t.upstream}:{t.weight}%" for t in route.split)
    else:
        target = str(route.upstream)
    if route.rewrite is not None:
        target += f" (rewrite {route.rewrite.from_prefix} -> {route.rewrite.to_prefix})"
    if route.shadow is not None:
        target += f" (shadow {route.shadow})"
    methods = ",".join(sorted(route.methods)) if route.methods else "*"
    return (
        route.name,
        where,
        methods,
        target,
        route.auth,
        route.rate_limit or "-",
        f"{route.timeout:g}s",
        str(route.retries),
    )


def _export(
    args: argparse.Namespace, ports: Mapping[str, int], instances: Mapping[str, tuple[str, ...]]
) -> int:
    table = load_route_table(args.routes, ports, instances=instances)
    options = ExportOptions(
        listen=args.listen,
        verifier=args.verifier,
        handlers_upstream=args.handlers_upstream,
        max_body=args.max_body,
        workers=args.workers,
        access_log=args.access_log,
        source=str(args.routes),
    )
    text = export_nginx(table, options)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out} ({len(table.routes)} routes from {args.routes})", file=sys.stderr)
    for line in text.splitlines():
        if line.strip().startswith("# route ") and " left out: " in line:
            print(f"note: {line.strip()[2:]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

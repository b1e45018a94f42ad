"""``python -m strangler stage ...``: list, show, start, check, restart, stop and tag the stages;
write a Prometheus configuration for one; write (or check) the files generated from the
manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from strangler.config import REPO_ROOT, var_dir
from strangler.stages.manifest import DEFAULT_PORTS, Stage, get_stage, latest_stage, missing_paths
from strangler.stages.supervisor import Policy


def _port(item: str) -> tuple[str, int]:
    name, _, value = item.partition("=")
    if not name or not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"wants NAME=PORT with a port number, got {item!r}")
    return name, int(value)


def _stage(number: int | None) -> Stage:
    return get_stage(number) if number is not None else latest_stage()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m strangler stage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every stage: tag, title, processes, runnable here")
    for name, help_text in (
        ("show", "processes, settings, routes and a mermaid diagram of a stage"),
        ("check", "health of every process of a stage, as a table (exit 1 if one is not ready)"),
        ("procfile", "a Procfile (honcho, foreman) for a stage"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("stage", type=int, nargs="?", help="stage number (default: latest)")
    up = sub.add_parser("up", help="set up, start, wait until ready, supervise until Ctrl-C")
    up.add_argument("stage", type=int, nargs="?", help="stage number (default: latest)")
    up.add_argument(
        "--port",
        type=_port,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="a process's port, or the control room's (control-room=8009)",
    )
    up.add_argument("--no-optional", action="store_true", help="do not start Flower")
    up.add_argument("--probe-interval", type=float, default=2.0, metavar="SECONDS")
    up.add_argument("--probe-failures", type=int, default=3, metavar="N")
    up.add_argument("--exit", action="store_true", help="stop once every process is ready")
    sub.add_parser("down", help="stop what `stage up` started (from its state file, by pid)")
    restart = sub.add_parser(
        "restart",
        help="rolling restart of a service's instances behind the gateway, one at a time "
        "(drain, stop, start, back in the pool), asked of the running `stage up`",
    )
    restart.add_argument("service", help="the gateway upstream, e.g. monolith")
    restart.add_argument(
        "--deadline", type=float, default=60.0, metavar="SECONDS", help="for each step"
    )
    prometheus = sub.add_parser(
        "prometheus", help="a Prometheus scrape configuration for a stage and its ports"
    )
    prometheus.add_argument("stage", type=int, nargs="?", help="stage number (default: latest)")
    prometheus.add_argument("--port", type=_port, action="append", default=[], metavar="NAME=PORT")
    prometheus.add_argument("--no-optional", action="store_true", help="leave Flower out")
    prometheus.add_argument("--interval", default="15s", help="scrape interval (default: 15s)")
    prometheus.add_argument("--output", "-o", help="write to this file instead of stdout")
    generate = sub.add_parser(
        "generate",
        help="write the files derived from the manifest (docker-compose.yml, deploy/k8s/, "
        "docs/prometheus/)",
    )
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale file"
    )
    tag = sub.add_parser("tag", help="make the git tag of every stage (on a fresh clone)")
    tag.add_argument("--dry-run", action="store_true", help="say what would be tagged")
    tag.add_argument("--force", action="store_true", help="move tags that exist")
    tag.add_argument("--rev", default="HEAD", help="the commit to cut the stages from")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyError as exc:
        print(f"stage: {exc.args[0]}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from strangler.stages import runner, views

    if args.command == "list":
        print(views.stage_list())
        return 0
    if args.command == "show":
        print(views.stage_show(_stage(args.stage)))
        return 0
    if args.command == "procfile":
        stage = _stage(args.stage)
        ports = runner.ports_for(stage, {}, with_optional=True)
        print(views.procfile(stage, ports, var_dir(f"stage-{stage.number}")), end="")
        return 0
    if args.command == "check":
        return runner.check(_stage(args.stage))
    if args.command == "down":
        return runner.down()
    if args.command == "restart":
        return runner.restart(args.service, args.deadline)
    if args.command == "up":
        stage = _stage(args.stage)
        missing = missing_paths(stage)
        if missing:
            print(
                f"stage {stage.number} cannot run in this checkout, missing: {', '.join(missing)}",
                file=sys.stderr,
            )
            return 2
        overrides = dict(args.port)
        options = runner.UpOptions(
            ports=runner.ports_for(stage, overrides, with_optional=not args.no_optional),
            with_optional=not args.no_optional,
            policy=Policy(interval=args.probe_interval, failures=args.probe_failures),
            exit_when_ready=args.exit,
            control_room_port=overrides.get("control-room", DEFAULT_PORTS["control-room"]),
        )
        return runner.up(stage, options)
    if args.command == "prometheus":
        from strangler.stages import prometheus

        stage = _stage(args.stage)
        with_optional = not args.no_optional
        ports = runner.ports_for(stage, dict(args.port), with_optional=with_optional)
        text = prometheus.render(stage, ports, with_optional=with_optional, interval=args.interval)
        if args.output:
            Path(args.output).write_text(text)
        else:
            print(text, end="")
        return 0
    if args.command == "generate":
        from strangler.stages.generated import GenerationError

        try:
            return _generate(check=args.check)
        except GenerationError as exc:
            print(f"stage generate: {exc}", file=sys.stderr)
            return 2
    if args.command == "tag":
        from strangler.stages import tags

        return tags.main(rev=args.rev, dry_run=args.dry_run, force=args.force)
    raise AssertionError(args.command)


def _generate(*, check: bool) -> int:
    from strangler.stages import generated
    from strangler.stages.manifest import STAGES

    if check:
        stale = generated.stale(STAGES, REPO_ROOT)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("regenerate: python -m strangler stage generate", file=sys.stderr)
            return 1
        return 0
    for path in generated.write(STAGES, REPO_ROOT):
        print(f"wrote {path}")
    return 0

"""``python -m strangler migrate ...``: move a context's tables, prove it, flip and roll back.

    python -m strangler migrate backfill --source URL --target URL (--context APP | --table T ...)
    python -m strangler migrate verify   --source URL --target URL (--context APP | --table T ...)
    python -m strangler migrate sync     --source URL --target URL (--context APP | --table T ...)
                                         [--install | --remove | --follow]
    python -m strangler migrate flip     --source URL --target URL --context APP [--only T ...]
                                         --route PREFIX --to UPSTREAM --table ROUTES.yaml [--pid N]
    python -m strangler migrate rollback --source URL --target URL --context APP [--only T ...]
                                         --route PREFIX --table ROUTES.yaml [--pid N]
    python -m strangler migrate report   --gateway URL
    python -m strangler migrate retire   --source URL --target URL (--context APP | --table T ...)
                                         --archive DIR                     (stage 4 on)

URLs are ``sqlite:///path/db.sqlite3`` or ``postgres://user@host:port/name``. Every table is
checked on both sides (present, same columns, same one-column key) before anything is written.
Exit status: 0 done / go, 1 no-go, 2 bad input (a clear message, nothing written).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

from strangler.console import table as text_table
from strangler.migrate import flip as moves
from strangler.migrate import sync as capture
from strangler.migrate.backfill import TableResult, backfill_table, exclusive
from strangler.migrate.endpoints import Endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.flip import Move
from strangler.migrate.plan import TablePlan, opened
from strangler.migrate.progress import RowProgress
from strangler.migrate.report import RESULTS, fetch_metrics, shadow_figures
from strangler.migrate.report import rows as report_rows
from strangler.migrate.verify import TableVerdict, prepare, verify_table

Result = TypeVar("Result")
# Retiring the monolith's copy of a context's tables arrives with stage 4, which retires the
# code that used them: found by name, so the tags before it lack only this command.
RETIRE = "strangler.migrate.retire"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m strangler migrate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("backfill", "copy the tables in key-ordered chunks (resumable)"),
        ("verify", "compare counts and per-chunk checksums; print go / no-go"),
        ("sync", "record writes in the source (--install), apply them to the target"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--source", required=True, help="the monolith's database URL")
        command.add_argument("--target", required=True, help="the service's database URL")
        which = command.add_mutually_exclusive_group(required=True)
        which.add_argument("--context", help="every table named <context>_* in the source")
        which.add_argument("--table", action="append", help="a table (repeatable)")
        command.add_argument("--chunk-size", type=int, default=50_000, help="rows per chunk")
        if name == "sync":
            mode = command.add_mutually_exclusive_group()
            mode.add_argument("--install", action="store_true", help="start recording writes")
            mode.add_argument(
                "--remove", action="store_true", help="stop recording (after the flip)"
            )
            mode.add_argument("--follow", action="store_true", help="keep applying until Ctrl-C")
    for name, help_text in (
        ("flip", "monolith read-only, last changes applied, verify, route to the service"),
        ("rollback", "the service's writes back to the monolith, route back, writable again"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--source", required=True, help="the monolith's database URL")
        command.add_argument("--target", required=True, help="the service's database URL")
        command.add_argument("--context", required=True, help="the tables named <context>_*")
        command.add_argument("--route", required=True, help="the route's prefix")
        if name == "flip":
            command.add_argument("--to", required=True, help="the service's upstream")
        command.add_argument("--table", required=True, type=Path, help="the route table file")
        command.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TABLE",
            help="move only this table of the context (repeatable; default: all of them)",
        )
        command.add_argument("--pid", type=int, help="the gateway's (default: stage state)")
        command.add_argument("--chunk-size", type=int, default=50_000, help="rows per batch")
    command = commands.add_parser("report", help="the shadow mismatch rate per route")
    command.add_argument("--gateway", required=True, help="the gateway's URL, e.g. http://h:8000")
    if find_spec(RETIRE) is not None:
        importlib.import_module(RETIRE).add_command(commands)
    return parser


@contextmanager
def _endpoints(args: argparse.Namespace) -> Iterator[tuple[Endpoint, Endpoint, list[TablePlan]]]:
    if args.chunk_size < 1:
        raise MigrateError("--chunk-size must be at least 1")
    with opened(args.source, args.target, context=args.context, tables=args.table or ()) as pair:
        yield pair


def _each(
    plans: Sequence[TablePlan], work: Callable[[TablePlan, RowProgress], Result]
) -> list[Result]:
    results = []
    for item in plans:
        bar = RowProgress(item.name)
        try:
            results.append(work(item, bar))
        finally:
            bar.close()
    return results


def backfill(args: argparse.Namespace) -> int:
    with _endpoints(args) as (source, target, plans), exclusive(target):
        started = time.monotonic()

        def one(item: TablePlan, bar: RowProgress) -> TableResult:
            began = time.monotonic()
            result = backfill_table(
                source, target, item, chunk_size=args.chunk_size, on_chunk=bar.advance,
                on_start=bar.start,
            )  # fmt: skip
            result.seconds = time.monotonic() - began
            return result

        results = _each(plans, one)
    elapsed = time.monotonic() - started
    print(
        text_table(
            ["table", "source rows", "already there", "copied", "seconds", "rows/s"],
            [
                (
                    r.table,
                    r.source_rows,
                    r.already_there,
                    r.copied,
                    f"{r.seconds:.2f}",
                    f"{r.copied / r.seconds:,.0f}" if r.seconds else "-",
                )
                for r in results
            ],
        )
    )
    print(f"\nbackfill done in {elapsed:.2f} s: {sum(r.copied for r in results)} rows copied")
    return 0


def _keys(keys: list[object]) -> str:
    return ", ".join(str(k) for k in keys) or "-"


def verify(args: argparse.Namespace) -> int:
    with _endpoints(args) as (source, target, plans):
        prepare(source)
        prepare(target)

        def one(item: TablePlan, bar: RowProgress) -> TableVerdict:
            bar.start(int(source.value(f"SELECT COUNT(*) FROM {source.quote(item.name)}")))
            return verify_table(source, target, item, chunk_size=args.chunk_size,
                                on_chunk=bar.advance)  # fmt: skip

        verdicts = _each(plans, one)
    print(
        text_table(
            ["table", "source rows", "target rows", "chunks", "differing", "verdict"],
            [
                (
                    v.table,
                    v.source_rows,
                    v.target_rows,
                    v.chunks,
                    v.differing_chunks,
                    "GO" if v.go else "NO-GO",
                )
                for v in verdicts
            ],
        )
    )
    differing = [v for v in verdicts if not v.go]
    for v in differing:
        print(f"\n{v.table}: keys that differ")
        print(f"  only in the source: {_keys(v.missing)}")
        print(f"  only in the target: {_keys(v.extra)}")
        print(f"  changed:            {_keys(v.changed)}")
    print("\nGO: the copy is equal" if not differing else "\nNO-GO: the copy differs")
    return 1 if differing else 0


def sync(args: argparse.Namespace) -> int:
    with _endpoints(args) as (source, target, plans):
        if args.install or args.remove:
            (capture.install if args.install else capture.remove)(source, plans)
            verb = "recording" if args.install else "no longer recording"
            print(f"{verb} writes to {', '.join(p.name for p in plans)} in the source")
            return 0
        with exclusive(target):
            while True:
                result = capture.apply_changes(source, target, plans, batch_size=args.chunk_size)
                if result.changes or not args.follow:
                    print(
                        f"applied {result.changes} recorded changes: "
                        f"{result.rows_written} rows written, {result.rows_deleted} deleted"
                    )
                if not args.follow:
                    return 0
                time.sleep(1)  # polling the change table between batches


def _move(args: argparse.Namespace) -> Move:
    if args.chunk_size < 1:
        raise MigrateError("--chunk-size must be at least 1")
    return Move(args.source, args.target, args.context, args.route, args.table, args.pid,
                args.chunk_size, tuple(args.only))  # fmt: skip


def _said(line: str) -> None:
    print(f"  .. {line}", file=sys.stderr, flush=True)


def flip(args: argparse.Namespace) -> int:
    result = moves.flip(_move(args), args.to, _said)
    print(
        text_table(
            ["table", "source rows", "target rows", "verdict"],
            [(v.table, v.source_rows, v.target_rows, "GO" if v.go else "NO-GO")
             for v in result.verdicts],
        )
    )  # fmt: skip
    if not result.go:
        print("\nNO-GO: the copies differ; nothing was flipped (run verify for the keys)")
        return 1
    print(f"\nflipped {args.route} from {result.previous} to {result.upstream}")
    return 0


def rollback(args: argparse.Namespace) -> int:
    result = moves.rollback(_move(args), _said)
    print(
        f"rolled back {args.route} from {result.previous} to {result.upstream}: "
        f"{result.applied} writes the service took copied back; the monolith is writable"
    )
    return 0


def report(args: argparse.Namespace) -> int:
    figures = shadow_figures(fetch_metrics(args.gateway))
    if not figures:
        print(f"no shadow comparisons counted at {args.gateway} (no shadowed GET/HEAD yet)")
        return 0
    print(text_table(["route", *RESULTS, "mismatch rate"], report_rows(figures)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "backfill": backfill,
        "verify": verify,
        "sync": sync,
        "flip": flip,
        "rollback": rollback,
        "report": report,
    }
    if args.command == "retire":
        commands["retire"] = importlib.import_module(RETIRE).command
    try:
        return commands[args.command](args)
    except MigrateError as exc:
        print(f"migrate {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: a backfill resumes, a sync catches up, next run
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""``python -m strangler trace list|show``: the recorded traces in the terminal.

``list`` shows the recent traces, slowest first; ``show TRACE_ID`` (a prefix will do) draws one
as a waterfall: service, span, start offset, duration, status. Spans are read from the folder
the services write them to (``TRACES_DIR``, default ``var/traces``) when no OTLP collector is
configured.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from strangler.console import table
from strangler.telemetry.traces import by_trace, read_spans, slowest, summarise, waterfall


def _folder(given: str | None) -> Path:
    if given:
        return Path(given)
    from strangler.telemetry.tracing import traces_dir

    return traces_dir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m strangler trace", description=__doc__)
    parser.add_argument("--dir", help="the spans folder (default: TRACES_DIR or var/traces)")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="recent traces, slowest first")
    listing.add_argument("--limit", type=int, default=15)
    listing.add_argument("--last", type=int, default=200, help="only the N most recent traces")
    show = commands.add_parser("show", help="one trace as a waterfall")
    show.add_argument("trace_id", help="a trace id, or the start of one")
    args = parser.parse_args(argv)

    folder = _folder(args.dir)
    traces = by_trace(read_spans(folder)) if folder.is_dir() else {}
    if not traces:
        print(f"no spans in {folder}: run a stage and send it a request first", file=sys.stderr)
        return 1
    if args.command == "list":
        recent = sorted(traces, key=lambda t: min(s.start for s in traces[t]))[-args.last :]
        rows = [
            (
                summary.trace_id,
                datetime.fromtimestamp(summary.start / 1e9, UTC).strftime("%H:%M:%S"),
                f"{summary.duration_ms:.1f} ms",
                summary.spans,
                summary.errors,
                ", ".join(summary.services),
                summary.root,
            )
            for summary in slowest({t: traces[t] for t in recent}, args.limit)
        ]
        print(table(["trace", "at", "duration", "spans", "errors", "services", "root"], rows))
        return 0
    matches = [trace_id for trace_id in traces if trace_id.startswith(args.trace_id.lower())]
    if len(matches) != 1:
        problem = "no trace" if not matches else f"{len(matches)} traces"
        print(f"{problem} in {folder} start with {args.trace_id!r}", file=sys.stderr)
        return 1
    spans = traces[matches[0]]
    summary = summarise(matches[0], spans)
    print(f"trace {summary.trace_id}: {summary.spans} spans, {summary.duration_ms:.1f} ms")
    print(table(["service", "span", "start", "duration", "status", "timeline"], waterfall(spans)))
    return 0

"""Reading the spans ``strangler.telemetry.spanfile`` wrote: traces, slowest first, and one as a
waterfall.

A trace is every span with its trace id, from every service's file. The waterfall puts each
span under its parent, with its start offset from the trace's first span and its duration,
so the hop that took the time stands out: "4 of the 5 seconds were spent in the fraud check".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BAR_WIDTH = 30


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    service: str
    start: int  # ns since the epoch
    end: int
    status: str

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) / 1e6

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Span:
        return cls(
            trace_id=str(record["trace_id"]),
            span_id=str(record["span_id"]),
            parent_span_id=str(record.get("parent_span_id") or ""),
            name=str(record["name"]),
            kind=str(record.get("kind", "")),
            service=str(record.get("service", "?")),
            start=int(record["start"]),
            end=int(record["end"]),
            status=str(record.get("status", "UNSET")),
        )


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    root: str  # the name of the first span without a parent in the trace
    services: tuple[str, ...]
    spans: int
    start: int
    duration_ms: float
    errors: int


def read_spans(folder: Path) -> Iterator[Span]:
    """Every span in ``folder``'s ``*.jsonl`` files; a line cut short by a crash is skipped."""
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    yield Span.from_record(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue


def by_trace(spans: Iterable[Span]) -> dict[str, list[Span]]:
    traces: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        traces[span.trace_id].append(span)
    return traces


def summarise(trace_id: str, spans: list[Span]) -> TraceSummary:
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    ids = {s.span_id for s in spans}
    roots = sorted((s for s in spans if s.parent_span_id not in ids), key=lambda s: s.start)
    return TraceSummary(
        trace_id=trace_id,
        root=f"{roots[0].service}: {roots[0].name}",
        services=tuple(sorted({s.service for s in spans})),
        spans=len(spans),
        start=start,
        duration_ms=(end - start) / 1e6,
        errors=sum(1 for s in spans if s.status == "ERROR"),
    )


def slowest(traces: dict[str, list[Span]], limit: int) -> list[TraceSummary]:
    summaries = [summarise(trace_id, spans) for trace_id, spans in traces.items()]
    summaries.sort(key=lambda s: s.duration_ms, reverse=True)
    return summaries[:limit]


def waterfall(spans: list[Span]) -> list[tuple[str, str, str, str, str, str]]:
    """Rows (service, span indented by depth, start offset, duration, status, bar)."""
    start = min(s.start for s in spans)
    total = max(max(s.end for s in spans) - start, 1)
    ids = {s.span_id for s in spans}
    children: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        children[span.parent_span_id if span.parent_span_id in ids else ""].append(span)
    rows = []

    def visit(parent: str, depth: int) -> None:
        for span in sorted(children[parent], key=lambda s: (s.start, s.end)):
            left = int((span.start - start) / total * BAR_WIDTH)
            width = max(1, round((span.end - span.start) / total * BAR_WIDTH))
            bar = " " * left + "#" * min(width, BAR_WIDTH - left)
            rows.append(
                (
                    span.service,
                    "  " * depth + span.name,
                    f"{(span.start - start) / 1e6:.1f} ms",
                    f"{span.duration_ms:.1f} ms",
                    span.status,
                    f"|{bar.ljust(BAR_WIDTH)}|",
                )
            )
            visit(span.span_id, depth + 1)

    visit("", 0)
    return rows

"""Spans as JSON lines in ``<folder>/<service>.jsonl``: the format ``python -m strangler trace``
reads, written without a collector.

:class:`JsonLinesProcessor` is what a service uses: it turns each finished span into its line
at once (the span object is freed, nothing queues behind a condition variable) and a timer
thread appends the lines every ``interval`` seconds in one ``write``. The SDK's batch processor
with an exporter cost about twice as much per span, and a checkout makes about fifty of them
(``bench/tracing.py``). :class:`JsonLinesExporter` is the same format behind the SDK's
exporter interface. Every file is opened with O_APPEND and written whole, so the processes of
a service (gunicorn workers, Celery pool processes) share it without interleaving.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

logger = logging.getLogger(__name__)
_dumps = json.dumps


def json_string(text: str) -> str:
    """``text`` as a JSON string; most names and paths need no escaping and skip json.dumps."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _dumps(text)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Described:
    """What a line says of a span apart from its ids, times and status, already JSON: the
    name, kind and service (``named``) and the attributes and links (``rest``). A statement
    span's is the same every time the statement runs, so it is made once (telemetry.database)."""

    named: str
    rest: str

    @classmethod
    def of(
        cls, *, name: str, kind: str, service: str, attributes: str = "{}", links: str = ""
    ) -> Described:
        """``attributes`` is a JSON object already, ``links`` the inside of a JSON array."""
        return cls(
            named=f'"name":{json_string(name)},"kind":"{kind}","service":{json_string(service)},',
            rest=f'"attributes":{attributes},"links":[{links}]}}\n',
        )


def described_line(
    described: Described,
    *,
    trace_id: int,
    span_id: int,
    parent_id: int | None,
    start: int,
    end: int,
    status: str = "UNSET",
    description: str = "",
) -> str:
    """The JSON line of one span: ids in hex, times in nanoseconds since the epoch."""
    parent = format(parent_id, "016x") if parent_id is not None else ""
    said = _dumps(description) if description else '""'
    return (
        f'{{"trace_id":"{trace_id:032x}","span_id":"{span_id:016x}","parent_span_id":"{parent}",'
        f'{described.named}"start":{start},"end":{end},"status":"{status}",'
        f'"status_description":{said},{described.rest}'
    )


def record_line(
    *,
    trace_id: int,
    span_id: int,
    parent_id: int | None,
    name: str,
    kind: str,
    service: str,
    start: int,
    end: int,
    status: str = "UNSET",
    description: str = "",
    attributes: str = "{}",
    links: str = "",
) -> str:
    """The JSON line of one span (:func:`described_line`, described here)."""
    described = Described.of(
        name=name, kind=kind, service=service, attributes=attributes, links=links
    )
    return described_line(
        described,
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent_id,
        start=start,
        end=end,
        status=status,
        description=description,
    )


def span_line(span: ReadableSpan) -> str:
    """One SDK span as its JSON line."""
    context = span.get_span_context()
    assert context is not None
    parent = span.parent
    given = span.attributes
    return record_line(
        trace_id=context.trace_id,
        span_id=context.span_id,
        parent_id=parent.span_id if parent is not None else None,
        name=span.name,
        kind=span.kind.name,
        service=str(span.resource.attributes.get("service.name", "?")),
        start=span.start_time or 0,
        end=span.end_time or 0,
        status=span.status.status_code.name,
        description=span.status.description or "",
        attributes=_dumps({k: _plain(v) for k, v in given.items()}) if given else "{}",
        links=",".join(
            f'{{"trace_id":"{link.context.trace_id:032x}","span_id":"{link.context.span_id:016x}"}}'
            for link in span.links
        ),
    )


def append_whole(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` in one ``write`` on an O_APPEND descriptor, so the processes
    sharing a spans file never interleave their batches."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


class JsonLinesProcessor(SpanProcessor):
    """Each finished span becomes its line at once; a daemon thread appends the lines."""

    def __init__(self, path: Path, *, interval: float = 0.2, max_lines: int = 2048) -> None:
        self.path = path
        self.interval = interval
        self.max_lines = max_lines
        self._start()
        # A forked child (a Celery pool process) has no writer thread: it starts its own.
        os.register_at_fork(after_in_child=self._start)

    def _start(self) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._run, name="spans-writer", daemon=True)
        self._writer.start()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        self.add_line(span_line(span))

    def add_line(self, line: str) -> None:
        """A span already formatted (:func:`record_line`), written with the others."""
        with self._lock:
            self._lines.append(line)
            full = len(self._lines) >= self.max_lines
        if full:
            self.force_flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.force_flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            lines, self._lines = self._lines, []
        if not lines:
            return True
        try:
            append_whole(self.path, "".join(lines).encode())
        except OSError:
            logger.exception("could not write spans to %s", self.path)
            return False
        return True

    def shutdown(self) -> None:
        self._stop.set()
        self.force_flush()


class JsonLinesExporter(SpanExporter):
    """The same lines behind the SDK's exporter interface (for a processor of your choice)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            append_whole(self.path, "".join([span_line(span) for span in spans]).encode())
        except OSError:
            logger.exception("could not write spans to %s", self.path)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

"""The access log's lines and the spans' records, formatted from their per-shape caches, say
what each entry says: the same fields whether a shape was cached, new, or forgotten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.sinks import accesslog, spans
from gateway.sinks.accesslog import AccessLogFile
from gateway.sinks.entry import Entry
from gateway.sinks.spans import JsonLinesSpans, OtlpSpans, SpanWriter, span_writer

TS = 1_764_670_000.25


def _entry(path: str, status: int, user: str = "", span: bytes = b"00000000000000aa") -> Entry:
    return (TS, "GET", path, "api", "app", "127.0.0.1:9", status, 0.0125, 42, "rid-1",
            "0af7651916cd43dd8448eb211c80319c", user, "10.0.0.1", span, b"")  # fmt: skip


ENTRIES = [
    _entry("/api/items/1", 200),
    _entry("/api/items/1", 200, user="7"),  # the same shape again, now signed in
    _entry('/api/caf\u00e9/"quoted"', 500),
    _entry("/api/items/1", 0, span=b""),  # no span recorded
]


def _access(line: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(line)
    return record


def _expected_access(entry: Entry) -> dict[str, Any]:
    return {
        "ts": "2025-12-02T10:06:40.250Z",
        "method": entry[1],
        "path": entry[2],
        "route": entry[3],
        "upstream": entry[4],
        "instance": entry[5],
        "status": entry[6],
        "duration_ms": 12.5,
        "bytes": 42,
        "request_id": "rid-1",
        "trace_id": entry[10],
        "user": entry[11] or None,
        "client": "10.0.0.1",
    }


@pytest.mark.parametrize("max_shapes", [4096, 1])
def test_access_log_lines_hold_each_entrys_fields(
    max_shapes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accesslog, "_MAX_SHAPES", max_shapes)  # 1: forgotten at each new one
    log = AccessLogFile("-")

    lines = (log.lines(ENTRIES) + log.lines(ENTRIES)).splitlines()

    assert [_access(line) for line in lines] == [_expected_access(e) for e in ENTRIES * 2]
    assert log.format(ENTRIES[2]) == lines[2] + "\n"


@pytest.mark.parametrize("max_shapes", [4096, 1])
def test_span_records_hold_each_entrys_fields(
    max_shapes: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(spans, "_MAX_SHAPES", max_shapes)
    sink = JsonLinesSpans(tmp_path / "gateway.jsonl")

    records = [json.loads(line) for line in (sink.lines(ENTRIES) * 2).splitlines()]

    with_span = [e for e in ENTRIES if e[13]] * 2
    assert len(records) == len(with_span)
    for record, entry in zip(records, with_span, strict=True):
        assert record["span_id"] == entry[13].decode()
        assert record["name"] == "GET api"
        assert record["end"] - record["start"] == 12_500_000
        assert record["status"] == ("ERROR" if entry[6] >= 500 else "UNSET")
        attributes = record["attributes"]
        assert attributes["url.path"] == entry[2]
        assert attributes["http.response.status_code"] == entry[6]
        assert attributes.get("enduser.id") == (entry[11] or None)


def test_span_records_from_entries_are_those_of_the_span_fields(tmp_path: Path) -> None:
    sink = JsonLinesSpans(tmp_path / "gateway.jsonl")
    fields = [
        (e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[10], e[13], e[14], e[11])
        for e in ENTRIES
        if e[13]
    ]

    sink.write(ENTRIES)

    written = (tmp_path / "gateway.jsonl").read_text()
    assert written == "".join(JsonLinesSpans._line(f) for f in fields)


def test_json_lines_take_the_entries_and_other_sinks_the_span_fields(tmp_path: Path) -> None:
    lines = JsonLinesSpans(tmp_path / "gateway.jsonl")
    other = OtlpSpans.__new__(OtlpSpans)  # not started: only its writer is asked for

    assert span_writer(lines) is lines
    assert isinstance(span_writer(other), SpanWriter)

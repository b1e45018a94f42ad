"""The gateway's own span: one SERVER span per answered request, so a trace starts at the edge.

Made from the sinks' entries when their buffer is written (:class:`SpanWriter`), never
on the request path: a request costs the span nothing but its id. Where the spans go follows
the services (:mod:`strangler.telemetry.tracing`): an OTLP collector when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (an SDK batch processor sends them from its own
thread), otherwise JSON lines in ``<var>/traces/gateway.jsonl`` in the services' record
format, which ``python -m strangler trace`` reads; ``OTEL_SDK_DISABLED=true`` records none.
The share of new traces sampled follows ``OTEL_TRACES_SAMPLER`` (:func:`root_sample_ratio`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from gateway.sinks.entry import BatchWriter, Entry
from strangler.telemetry.spanfile import append_whole, json_string

logger = logging.getLogger("gateway")
_dumps = json.dumps

SERVICE = "gateway"
_MAX_SHAPES = 4096

# What a span needs from an entry (:data:`gateway.sinks.entry.Entry`):
# ts (time.time() at the end), method, path, route, upstream, instance, status, duration (s),
# trace id, span id, parent span id ("" for a root), user.
SpanFields = tuple[float, str, str, str, str, str, int, float, str, bytes, bytes, str]


class SpanSink(Protocol):
    def export(self, spans: Sequence[SpanFields]) -> None: ...

    def shutdown(self) -> None: ...


class SpanWriter:
    """The :class:`~gateway.sinks.entry.BatchWriter` of spans: one per entry that has a span."""

    def __init__(self, spans: SpanSink) -> None:
        self.spans = spans

    def write(self, entries: Sequence[Entry]) -> None:
        self.spans.export(
            [
                (e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[10], e[13], e[14], e[11])
                for e in entries
                if e[13]
            ]
        )

    def close(self) -> None:
        self.spans.shutdown()


def _status(status: int) -> str:
    return "ERROR" if status >= 500 or status == 0 else "UNSET"


def _attributes(fields: SpanFields) -> dict[str, Any]:
    _, method, path, route, upstream, instance, status, _, _, _, _, user = fields
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.path": path,
        "http.route": route,
        "http.response.status_code": status,
        "gateway.upstream": upstream,
        "server.address": instance,
    }
    if user:
        attributes["enduser.id"] = user
    return attributes


class JsonLinesSpans:
    """Appends the spans to ``path`` in one ``write`` per flush, as the services' exporter does
    (``strangler.telemetry.spanfile.span_line`` is the format). It is also a
    :class:`~gateway.sinks.entry.BatchWriter`: :func:`span_writer` hands it the entries
    themselves, and :meth:`lines` formats them without a :data:`SpanFields` copy of each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._shapes: dict[tuple[str, str, str, str, str, int], tuple[str, str]] = {}

    def export(self, spans: Sequence[SpanFields]) -> None:
        self._append("".join([self._line(fields) for fields in spans]))

    def write(self, entries: Sequence[Entry]) -> None:
        self._append(self.lines(entries))

    def close(self) -> None:
        pass

    def _append(self, text: str) -> None:
        try:
            append_whole(self.path, text.encode())
        except OSError as exc:
            logger.error("could not write spans to %s: %s", self.path, exc)

    def lines(self, entries: Sequence[Entry]) -> str:
        """The records of the entries that have a span, as :meth:`_line` formats them. What
        the method, path, route, upstream, instance and status make of a record is formatted
        once per such shape and reused (see ``AccessLogFile.lines``)."""
        shapes = self._shapes
        out: list[str] = []
        append = out.append
        for entry in entries:
            span = entry[13]
            if not span:
                continue
            key = entry[1:7]
            shape = shapes.get(key)
            if shape is None:
                shape = self._shape(key)
            end_ns = int(entry[0] * 1e9)
            user = entry[11]
            enduser = f',"enduser.id":{_dumps(user)}' if user else ""
            append(
                f'{{"trace_id":"{entry[10]}","span_id":"{span.decode()}",'
                f'"parent_span_id":"{entry[14].decode()}",{shape[0]}'
                f'"start":{end_ns - int(entry[7] * 1e9)},"end":{end_ns},{shape[1]}{enduser}}},'
                '"links":[]}\n'
            )
        return "".join(out)

    def _shape(self, key: tuple[str, str, str, str, str, int]) -> tuple[str, str]:
        method, path, route, upstream, instance, status = key
        if len(self._shapes) >= _MAX_SHAPES:  # bounded: paths with ids make new shapes
            self._shapes.clear()
        shape = self._shapes[key] = (
            f'"name":"{method} {route}","kind":"SERVER","service":"{SERVICE}",',
            f'"status":"{_status(status)}","status_description":"","attributes":{{'
            f'"http.request.method":"{method}","url.path":{json_string(path)},'
            f'"http.route":"{route}","http.response.status_code":{status},'
            f'"gateway.upstream":"{upstream}","server.address":"{instance}"',
        )
        return shape

    @staticmethod
    def _line(fields: SpanFields) -> str:
        """One record, formatted by hand: json.dumps of a dict cost three times as much."""
        (end, method, path, route, upstream, instance, status, duration, trace, span, parent,
         user) = fields  # fmt: skip
        end_ns = int(end * 1e9)
        start_ns = end_ns - int(duration * 1e9)
        enduser = f',"enduser.id":{_dumps(user)}' if user else ""
        return (
            f'{{"trace_id":"{trace}","span_id":"{span.decode()}",'
            f'"parent_span_id":"{parent.decode()}","name":"{method} {route}","kind":"SERVER",'
            f'"service":"{SERVICE}","start":{start_ns},"end":{end_ns},'
            f'"status":"{_status(status)}","status_description":"","attributes":{{'
            f'"http.request.method":"{method}","url.path":{json_string(path)},'
            f'"http.route":"{route}","http.response.status_code":{status},'
            f'"gateway.upstream":"{upstream}","server.address":"{instance}"{enduser}}},'
            '"links":[]}\n'
        )

    def shutdown(self) -> None:
        pass


def span_writer(spans: SpanSink) -> BatchWriter:
    """The writer that gives ``spans`` a batch of entries: JSON lines format the entries
    directly, any other sink gets :data:`SpanFields` through :class:`SpanWriter`."""
    return spans if isinstance(spans, JsonLinesSpans) else SpanWriter(spans)


class OtlpSpans:
    """The spans as SDK spans, sent to ``OTEL_EXPORTER_OTLP_ENDPOINT`` by a batch processor."""

    def __init__(self) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.resource = Resource.create({"service.name": SERVICE})
        self.processor = BatchSpanProcessor(OTLPSpanExporter())

    def export(self, spans: Sequence[SpanFields]) -> None:
        from opentelemetry.sdk.trace import ReadableSpan
        from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

        sampled = TraceFlags(TraceFlags.SAMPLED)
        codes = {"ERROR": Status(StatusCode.ERROR), "UNSET": Status(StatusCode.UNSET)}
        for fields in spans:
            end, method, _, route, _, _, status, duration, trace_id, span, parent, _ = fields
            trace = int(trace_id, 16)
            end_ns = int(end * 1e9)
            self.processor.on_end(
                ReadableSpan(
                    name=f"{method} {route}",
                    context=SpanContext(trace, int(span, 16), False, sampled),
                    parent=SpanContext(trace, int(parent, 16), True, sampled) if parent else None,
                    resource=self.resource,
                    attributes=_attributes(fields),
                    kind=SpanKind.SERVER,
                    status=codes[_status(status)],
                    start_time=end_ns - int(duration * 1e9),
                    end_time=end_ns,
                )
            )

    def shutdown(self) -> None:
        self.processor.shutdown()


class SamplerError(ValueError):
    """``OTEL_TRACES_SAMPLER`` names a sampler the gateway does not know, or a bad ratio."""


_ALWAYS = {"": 1.0, "always_on": 1.0, "parentbased_always_on": 1.0}
_NEVER = {"always_off": 0.0, "parentbased_always_off": 0.0}
_RATIO = {"traceidratio", "parentbased_traceidratio"}


def root_sample_ratio(environ: Mapping[str, str]) -> float:
    """The share of the traces the gateway starts that it samples, from the SDK's variables
    (``OTEL_TRACES_SAMPLER``, ``OTEL_TRACES_SAMPLER_ARG``), so a ratio set for the services
    holds behind the gateway too. A caller's own decision (its ``traceparent`` flags) is kept
    whatever the sampler: the gateway is parent-based."""
    name = environ.get("OTEL_TRACES_SAMPLER", "").strip().lower()
    if name in _ALWAYS:
        return _ALWAYS[name]
    if name in _NEVER:
        return _NEVER[name]
    if name not in _RATIO:
        known = ", ".join(sorted(n for n in {*_ALWAYS, *_NEVER, *_RATIO} if n))
        raise SamplerError(f"OTEL_TRACES_SAMPLER={name!r} is not one of {known}")
    arg = environ.get("OTEL_TRACES_SAMPLER_ARG", "1.0")
    try:
        ratio = float(arg)
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise SamplerError(f"OTEL_TRACES_SAMPLER_ARG={arg!r} is not a ratio from 0 to 1")
    return ratio


def span_sink_from_env() -> SpanSink | None:
    """Where this gateway's spans go, read as the services read it; None when tracing is off."""
    from strangler.telemetry.tracing import enabled, traces_dir

    if not enabled():
        return None
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return OtlpSpans()
    return JsonLinesSpans(traces_dir() / f"{SERVICE}.jsonl")

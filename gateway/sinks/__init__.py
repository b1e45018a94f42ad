"""Where answered requests are recorded: metrics, the access log and spans, behind one interface
(and shadow mismatches, in their own sampled log).

Each :class:`Sink` is told of every answered request with one :data:`Entry`; metrics count it
at once, the access log (``accesslog``) and the spans (``spans``) are :class:`BatchWriter` s
that a :class:`Batched` sink hands entries to off the request path.
"""

from __future__ import annotations

from gateway.sinks.accesslog import AccessLogFile
from gateway.sinks.batch import Batched
from gateway.sinks.entry import BatchWriter, Entry, Sink
from gateway.sinks.metrics import Metrics
from gateway.sinks.mismatches import Answer, MismatchLog
from gateway.sinks.spans import SpanSink, SpanWriter, span_writer

__all__ = [
    "AccessLogFile",
    "Answer",
    "BatchWriter",
    "Batched",
    "Entry",
    "Metrics",
    "MismatchLog",
    "Sink",
    "SpanSink",
    "SpanWriter",
    "span_writer",
]

"""A span per SQL statement, from Django's own hook (``connection.execute_wrappers``).

One wrapper serves every backend (PostgreSQL, SQLite, ...). A checkout runs about fifty
statements, so what one statement's span costs is most of what tracing costs the shop
(``bench/tracing.py``): the DB-API instrumentations (``opentelemetry-instrumentation-psycopg``
/ ``-sqlite3``) put a proxy around every connection and cursor and make a full SDK span per
statement. Here a statement is timed and, when its caller is being traced, recorded straight
into the process's span file (:class:`~strangler.telemetry.spanfile.JsonLinesProcessor`), or
as a finished SDK span for any other processor (OTLP): a child of the current span, named by
operation and table (``INSERT orders_order``), with ``db.system`` and ``db.statement`` (the SQL
with placeholders, never the parameters), ``ERROR`` when the statement fails.

Not recorded: a statement no traced work made (the relay polling its outbox, a probe's query),
one under an unsampled trace, and the transaction control Django issues around nested
``atomic()`` blocks (``SAVEPOINT``, ``RELEASE SAVEPOINT``, SQLite's ``BEGIN``): it is never the
slow hop and was a seventh of a checkout's spans.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from time import time_ns
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from strangler.telemetry.spanfile import Described, JsonLinesProcessor, described_line, json_string

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.]+)', re.IGNORECASE)
_UNTRACED = ("SAVEPOINT", "RELEASE", "BEGIN", "ROLLBACK TO")
_random_id = random.getrandbits
# (service, vendor, SQL) -> the span's name and the rest of its line. The ORM sends the same
# few dozen statements again and again (parameters apart), so each is named and escaped once
# (a span costs a quarter of what it did); the bound only matters to a process that builds
# SQL with its values inlined.
_described: dict[tuple[str, str, str], tuple[str, Described]] = {}
DESCRIBED_MAX = 2048


class _Sink:
    """Where statement spans go: set once by :func:`trace_database`."""

    processor: SpanProcessor | None = None
    resource: Resource = Resource.get_empty()
    service = "?"


def span_name(head: str, sql: str) -> str:
    """``INSERT orders_order``: the statement's first word (``head`` is its start, upper-cased)
    and the table it names first."""
    operation = head.split(None, 1)[0] if head else "SQL"
    found = _TABLE.search(sql)
    return f"{operation} {found.group(1)}" if found else operation


def traced_execute(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """The execute wrapper: the statement, timed and recorded under the current span."""
    parent = trace.get_current_span()
    if _Sink.processor is None or not parent.is_recording():
        return execute(sql, params, many, context)
    head = sql[:24].lstrip().upper()
    if head.startswith(_UNTRACED):
        return execute(sql, params, many, context)
    failure = ""
    start = time_ns()
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        failure = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _record(parent.get_span_context(), head, sql, context, start, failure)


def _describe(vendor: str, head: str, sql: str) -> tuple[str, Described]:
    """The statement's span name and what its line says of it, made once per SQL."""
    key = (_Sink.service, vendor, sql)
    found = _described.get(key)
    if found is None:
        if len(_described) >= DESCRIBED_MAX:
            _described.clear()
        name = span_name(head, sql)
        attributes = f'{{"db.system":"{vendor}","db.statement":{json_string(sql)}}}'
        described = Described.of(
            name=name, kind="CLIENT", service=_Sink.service, attributes=attributes
        )
        found = _described[key] = (name, described)
    return found


def _record(
    parent: SpanContext, head: str, sql: str, context: dict[str, Any], start: int, failure: str
) -> None:
    end = time_ns()
    vendor = context["connection"].vendor
    name, described = _describe(vendor, head, sql)
    processor = _Sink.processor
    if isinstance(processor, JsonLinesProcessor):
        processor.add_line(
            described_line(
                described,
                trace_id=parent.trace_id,
                span_id=_random_id(64),
                parent_id=parent.span_id,
                start=start,
                end=end,
                status="ERROR" if failure else "UNSET",
                description=failure,
            )
        )
    elif processor is not None:
        processor.on_end(
            ReadableSpan(
                name=name,
                context=SpanContext(
                    parent.trace_id, _random_id(64), False, TraceFlags(TraceFlags.SAMPLED)
                ),
                parent=parent,
                resource=_Sink.resource,
                attributes={"db.system": vendor, "db.statement": sql},
                kind=SpanKind.CLIENT,
                status=Status(StatusCode.ERROR, failure) if failure else Status(StatusCode.UNSET),
                start_time=start,
                end_time=end,
            )
        )


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    wrappers = connection.execute_wrappers
    if traced_execute not in wrappers:
        # First, not last: ``connection.execute_wrapper()`` blocks pop the last one on exit.
        wrappers.insert(0, traced_execute)


def trace_database(processor: SpanProcessor, resource: Resource) -> None:
    """Record the statements of every database connection this process opens from now on."""
    from django.db.backends.signals import connection_created

    _Sink.processor, _Sink.resource = processor, resource
    _Sink.service = str(resource.attributes.get("service.name", "?"))
    connection_created.connect(_install, weak=False, dispatch_uid="strangler.telemetry.database")

"""A span per SQL statement, from Django's own hook (``connection.execute_wrappers``).

One wrapper serves every backend (PostgreSQL, SQLite, ...), and it costs less than the DB-API
instrumentations (``opentelemetry-instrumentation-psycopg`` / ``-sqlite3``), which put a
proxy around every connection and cursor: a checkout runs about fifty statements, so the
cost of each span is what tracing costs the shop (``bench/tracing.py``). The span is not made
current (nothing runs inside a statement) and carries what a waterfall needs: the operation
and table as its name (``INSERT orders_order``), ``db.system`` and ``db.statement`` (the SQL
with placeholders, never the parameters).

Transaction control that Django issues around nested ``atomic()`` blocks (``SAVEPOINT``,
``RELEASE SAVEPOINT``, SQLite's ``BEGIN``) gets no span: it is never the slow hop and was a
seventh of a checkout's spans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_tracer = trace.get_tracer("strangler.database")
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.]+)', re.IGNORECASE)
_UNTRACED = ("SAVEPOINT", "RELEASE", "BEGIN", "ROLLBACK TO")


def span_name(head: str, sql: str) -> str:
    """``INSERT orders_order``: the statement's first word (``head`` is its start, upper-cased)
    and the table it names first."""
    operation = head.split(None, 1)[0] if head else "SQL"
    found = _TABLE.search(sql)
    return f"{operation} {found.group(1)}" if found else operation


def traced_execute(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """The execute wrapper: one CLIENT span around the statement, an ERROR span if it fails."""
    head = sql[:24].lstrip().upper()
    if head.startswith(_UNTRACED):
        return execute(sql, params, many, context)
    span = _tracer.start_span(
        span_name(head, sql),
        kind=SpanKind.CLIENT,
        attributes={"db.system": context["connection"].vendor, "db.statement": sql},
    )
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        span.end()


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    wrappers = connection.execute_wrappers
    if traced_execute not in wrappers:
        # First, not last: ``connection.execute_wrapper()`` blocks pop the last one on exit.
        wrappers.insert(0, traced_execute)


def trace_database() -> None:
    """Trace the statements of every database connection this process opens from now on."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_install, weak=False, dispatch_uid="strangler.telemetry.database")

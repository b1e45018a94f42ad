"""JSON logs: one object per line with the service, the trace and span ids and the request id,
so one ``grep <trace id>`` follows a request through every service's log.

``LOGGING = json_logging("monolith")`` in a service's settings; ``LOG_FORMAT=plain`` gives the
classic one-line text instead, ``LOG_LEVEL`` the level. The request id is the gateway's
``X-Request-ID`` (``RequestIdMiddleware``) in a web process and the task's id in a Celery
worker (``bind_worker_logging``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from opentelemetry import trace

from strangler.config import env

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": format(context.trace_id, "032x") if context.is_valid else "",
            "span_id": format(context.span_id, "016x") if context.is_valid else "",
            "request_id": _request_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def json_logging(service: str) -> dict[str, Any]:
    """A ``LOGGING`` setting: every record to stderr, as JSON (or plain with LOG_FORMAT)."""
    plain = env.str("LOG_FORMAT", default="json") == "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter, "service": service},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain" if plain else "json",
            }
        },
        "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    }


class RequestIdMiddleware:
    """Binds the request id (the gateway's ``X-Request-ID``, else the trace id) to the logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        if not _SANE_REQUEST_ID.fullmatch(given):
            context = trace.get_current_span().get_span_context()
            given = format(context.trace_id, "032x") if context.is_valid else ""
        token = _request_id.set(given)
        try:
            return self.get_response(request)
        finally:
            _request_id.reset(token)


def bind_request_id(value: str) -> None:
    _request_id.set(value)


def bind_worker_logging() -> None:
    """In a Celery worker: keep the service's LOGGING (Celery would replace the root logger's
    format with its own) and use each task's id as the request id of its log lines."""
    from celery import signals

    def setup_logging(loglevel: int | str | None = None, **_: Any) -> None:
        import logging.config

        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
        if loglevel:  # the worker's --loglevel wins, as with Celery's own set-up
            logging.getLogger().setLevel(loglevel)

    def task_started(task_id: str = "", **_: Any) -> None:
        bind_request_id(task_id)

    signals.setup_logging.connect(setup_logging, weak=False)
    signals.task_prerun.connect(task_started, weak=False)

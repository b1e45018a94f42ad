"""The pieces of a servicer: errors as metadata, calls run like requests, health.

Each call runs like a Django request: stale database connections are closed before and after,
so a long-running server honours ``CONN_MAX_AGE`` and survives a database restart.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import grpc
from django.db import DatabaseError, close_old_connections, connection

from strangler.contracts.proto import health_pb2, health_pb2_grpc
from strangler.errors import DomainError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def abort_with_error(
    context: grpc.ServicerContext, status: grpc.StatusCode, error: DomainError
) -> None:
    """End the call with the parts of the REST error body (see inventory.proto)."""
    context.set_trailing_metadata(
        (
            ("error-code", error.code),
            ("error-details-bin", json.dumps(error.details).encode()),
        )
    )
    context.abort(status, error.message)


def as_request(call: Callable[[], T], context: grpc.ServicerContext) -> T:
    """``call()`` with the database connections handled as around a request; a database
    failure ends the call UNAVAILABLE."""
    close_old_connections()
    try:
        return call()
    except DatabaseError:
        logger.exception("gRPC call failed on the database")
        context.abort(grpc.StatusCode.UNAVAILABLE, "The database is unavailable.")
        raise  # abort() raises; this line is for the type checker
    finally:
        close_old_connections()


class HealthServicer(health_pb2_grpc.HealthServicer):
    """SERVING when the database answers and the instance is not draining (the same rules as
    the HTTP ``/health/ready``); ``""`` names the whole server, ``service_name`` the service."""

    def __init__(self, service_name: str) -> None:
        self.service_name = service_name

    def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        status = health_pb2.HealthCheckResponse
        if request.service not in ("", self.service_name):
            context.abort(grpc.StatusCode.NOT_FOUND, f"Unknown service {request.service!r}.")
        drain_file = os.environ.get("STRANGLER_DRAIN_FILE", "")
        if drain_file and Path(drain_file).exists():
            return status(status=status.NOT_SERVING)
        close_old_connections()
        try:
            connection.ensure_connection()
        except DatabaseError:
            return status(status=status.NOT_SERVING)
        finally:
            close_old_connections()
        return status(status=status.SERVING)

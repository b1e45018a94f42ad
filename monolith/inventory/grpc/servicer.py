"""The gRPC services: inventory reads through the context's interface, and health.

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

from monolith.inventory import interface
from strangler.contracts.proto import health_pb2, health_pb2_grpc, inventory_pb2, inventory_pb2_grpc
from strangler.errors import DomainError

logger = logging.getLogger(__name__)

SERVICE_NAME = "shop.inventory.v1.InventoryService"

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


def _as_request(call: Callable[[], T], context: grpc.ServicerContext) -> T:
    close_old_connections()
    try:
        return call()
    except DatabaseError:
        logger.exception("inventory gRPC call failed on the database")
        context.abort(grpc.StatusCode.UNAVAILABLE, "The inventory database is unavailable.")
        raise  # abort() raises; this line is for the type checker
    finally:
        close_old_connections()


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def GetAvailability(
        self, request: inventory_pb2.GetAvailabilityRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.Availability:
        if not request.sku:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "A SKU is required.")
        try:
            item = _as_request(lambda: interface.get_availability(request.sku), context)
        except interface.SkuNotFound as error:
            abort_with_error(context, grpc.StatusCode.NOT_FOUND, error)
            raise  # unreachable: abort() raised
        return inventory_pb2.Availability(
            sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
        )


class HealthServicer(health_pb2_grpc.HealthServicer):
    """SERVING when the database answers and the instance is not draining (the same rules as
    the HTTP ``/health/ready``); ``""`` names the whole server."""

    def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        status = health_pb2.HealthCheckResponse
        if request.service not in ("", SERVICE_NAME):
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


def add_services(server: grpc.Server) -> None:
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(), server)
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(), server)

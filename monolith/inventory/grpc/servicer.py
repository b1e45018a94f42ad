"""The gRPC services: inventory reads through the context's interface, and health (the
shared plumbing of :mod:`strangler.grpc_server`)."""

from __future__ import annotations

import grpc

from monolith.inventory import interface
from strangler.contracts.proto import health_pb2_grpc, inventory_pb2, inventory_pb2_grpc
from strangler.grpc_server import HealthServicer, abort_with_error, as_request

SERVICE_NAME = "shop.inventory.v1.InventoryService"


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def GetAvailability(
        self, request: inventory_pb2.GetAvailabilityRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.Availability:
        if not request.sku:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "A SKU is required.")
        try:
            item = as_request(lambda: interface.get_availability(request.sku), context)
        except interface.SkuNotFound as error:
            abort_with_error(context, grpc.StatusCode.NOT_FOUND, error)
            raise  # unreachable: abort() raised
        return inventory_pb2.Availability(
            sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
        )


def add_services(server: grpc.Server) -> None:
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(), server)
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(SERVICE_NAME), server)

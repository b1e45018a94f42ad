"""The service's gRPC inbound adapter: ``inventory.proto`` (``InventoryService``) with the
monolith's answers and error metadata, and health (``strangler.grpc_server``)."""

from __future__ import annotations

import grpc as grpc_lib

from extracted.inventory.stock import selectors
from extracted.inventory.stock.errors import SkuNotFound
from strangler.contracts.proto import health_pb2_grpc, inventory_pb2, inventory_pb2_grpc
from strangler.grpc_server import HealthServicer, abort_with_error, as_request

SERVICE_NAME = "shop.inventory.v1.InventoryService"


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def GetAvailability(
        self, request: inventory_pb2.GetAvailabilityRequest, context: grpc_lib.ServicerContext
    ) -> inventory_pb2.Availability:
        if not request.sku:
            context.abort(grpc_lib.StatusCode.INVALID_ARGUMENT, "A SKU is required.")
        try:
            item = as_request(lambda: selectors.stock_get(sku=request.sku), context)
        except SkuNotFound as error:
            abort_with_error(context, grpc_lib.StatusCode.NOT_FOUND, error)
            raise  # unreachable: abort() raised
        return inventory_pb2.Availability(
            sku=item.sku, on_hand=item.on_hand, reserved=item.reserved, available=item.available
        )


def add_services(server: grpc_lib.Server) -> None:
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(), server)
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(SERVICE_NAME), server)

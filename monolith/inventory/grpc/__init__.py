"""The inventory context's gRPC inbound adapter: ``inventory.proto`` served by the monolith.

An adapter like ``apis.py``, over another protocol: it answers through
:mod:`monolith.inventory.interface` only. The gateway uses it for protocol translation
(``GET /api/v1/inventory/{sku}`` -> ``InventoryService.GetAvailability``).

Run: ``python -m monolith.inventory.grpc.server --port 50051``.

The contract and its generated stubs (``inventory.proto``, ``health.proto``) live in
:mod:`strangler.contracts.proto`, where the gateway reads them too.
"""

"""The inventory context's gRPC inbound adapter: ``inventory.proto`` served by the monolith.

An adapter like ``apis.py``, over another protocol: it answers through
:mod:`monolith.inventory.interface` only. The gateway uses it for protocol translation
(``GET /api/v1/inventory/{sku}`` -> ``InventoryService.GetAvailability``).

Run: ``python -m monolith.inventory.grpc.server --port 50051``.

The ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py`` modules are generated and committed;
after changing a ``.proto``, regenerate them from the repository root with::

    .venv/bin/python -m grpc_tools.protoc -I . --python_out=. --pyi_out=. --grpc_python_out=. \\
        monolith/inventory/grpc/inventory.proto monolith/inventory/grpc/health.proto
"""

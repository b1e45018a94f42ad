"""What every Django process serving gRPC shares: the server on a thread pool (bound, started,
stopped gracefully on SIGTERM), the health service, calls run like Django requests, and
domain errors turned into the status and trailing metadata the REST error body has.

A context's gRPC adapter writes only its servicer and an ``add_services(server)`` that adds it
and :class:`HealthServicer` (named after its service); :func:`serve` runs it.
"""

from strangler.grpc_server.server import build_server, serve
from strangler.grpc_server.servicing import HealthServicer, abort_with_error, as_request

__all__ = ["HealthServicer", "abort_with_error", "as_request", "build_server", "serve"]

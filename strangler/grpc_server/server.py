"""The server: bound to a port, run until SIGTERM or SIGINT, then stopped gracefully.

Django must be set up before either function is called.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import grpc
from django.db import connections

logger = logging.getLogger("strangler.grpc_server")

AddServices = Callable[[grpc.Server], None]


def build_server(
    host: str, port: int, executor: ThreadPoolExecutor, add_services: AddServices
) -> grpc.Server:
    """A server with ``add_services``' services, bound to ``host:port`` (not started yet);
    ``OSError`` naming the address when it cannot listen there."""
    server = grpc.server(executor, options=[("grpc.so_reuseport", 0)])
    add_services(server)
    address = f"{host}:{port}"
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise OSError(f"cannot listen on {address}: {exc}") from exc
    if bound == 0:
        raise OSError(f"cannot listen on {address}")
    return server


def serve(
    add_services: AddServices,
    *,
    name: str,
    host: str,
    port: int,
    workers: int = 8,
    grace: float = 5.0,
) -> int:
    """Serve until SIGTERM or SIGINT, then stop taking calls, let the calls in flight finish
    (up to ``grace`` seconds) and return 0; 1 when the port cannot be bound."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc")
    try:
        server = build_server(host, port, executor, add_services)
    except OSError as exc:
        logger.error("%s", exc)
        executor.shutdown(wait=False)
        return 1
    server.start()
    logger.info("%s gRPC listening on %s:%d", name, host, port)
    # Wake up now and then: the kernel may deliver SIGTERM to one of gRPC's threads, and then
    # only the main thread running Python again runs the handler. A bare wait() never did.
    while not stop.wait(timeout=0.5):
        pass
    logger.info("stopping: finishing calls in flight (up to %.1fs)", grace)
    server.stop(grace).wait()
    executor.shutdown(wait=True)
    connections.close_all()
    logger.info("stopped")
    return 0

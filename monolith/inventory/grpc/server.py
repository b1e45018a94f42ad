"""``python -m monolith.inventory.grpc.server --port N``: the inventory's gRPC server.

Sets Django up itself (``DJANGO_SETTINGS_MODULE``, default the monolith's settings), serves
:mod:`monolith.inventory.grpc.servicer` on a thread pool, and on SIGTERM or SIGINT stops
taking calls, lets the calls in flight finish (``--grace`` seconds) and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import grpc

logger = logging.getLogger("monolith.inventory.grpc")


def build_server(host: str, port: int, executor: ThreadPoolExecutor) -> grpc.Server:
    """A server with every service added and bound to ``host:port`` (not started yet).

    Django must be set up before this is called.
    """
    from monolith.inventory.grpc.servicer import add_services

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monolith.inventory.grpc.server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=8, help="threads serving calls")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to finish calls")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
    import django

    django.setup()
    from django.db import connections

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    executor = ThreadPoolExecutor(max_workers=args.workers, thread_name_prefix="grpc")
    try:
        server = build_server(args.host, args.port, executor)
    except OSError as exc:
        logger.error("%s", exc)
        return 1
    server.start()
    logger.info("inventory gRPC listening on %s:%d", args.host, args.port)
    # Wake up now and then: the kernel may deliver SIGTERM to one of gRPC's threads, and then
    # only the main thread running Python again runs the handler. A bare wait() never did.
    while not stop.wait(timeout=0.5):
        pass
    logger.info("stopping: finishing calls in flight (up to %.1fs)", args.grace)
    server.stop(args.grace).wait()
    executor.shutdown(wait=True)
    connections.close_all()
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

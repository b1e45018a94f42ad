"""``python -m monolith.inventory.grpc.server --port N``: the inventory's gRPC server.

Sets Django up itself (``DJANGO_SETTINGS_MODULE``, default the monolith's settings) and serves
:mod:`monolith.inventory.grpc.servicer` with the shared plumbing of :mod:`strangler.grpc_server`
(a thread pool; on SIGTERM or SIGINT it stops taking calls, lets the calls in flight finish
(``--grace`` seconds) and exits 0).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import grpc


def build_server(host: str, port: int, executor: ThreadPoolExecutor) -> grpc.Server:
    """A server with every service added and bound to ``host:port`` (not started yet).

    Django must be set up before this is called.
    """
    from monolith.inventory.grpc.servicer import add_services
    from strangler.grpc_server import build_server as build

    return build(host, port, executor, add_services)


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
    from monolith.inventory.grpc.servicer import add_services
    from strangler.grpc_server import serve

    return serve(
        add_services,
        name="inventory",
        host=args.host,
        port=args.port,
        workers=args.workers,
        grace=args.grace,
    )


if __name__ == "__main__":
    sys.exit(main())

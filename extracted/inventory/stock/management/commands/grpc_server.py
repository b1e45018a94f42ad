"""``manage.py grpc_server --port N``: serve ``shop.inventory.v1.InventoryService`` and health.

Ready when the gRPC health check answers SERVING; SIGTERM or SIGINT stops taking calls, lets
the calls in flight finish (``--grace`` seconds) and exits 0.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extracted.inventory.stock.grpc_api import add_services
from strangler.grpc_server import serve


class Command(BaseCommand):
    help = "Serve the inventory over gRPC (inventory.proto) until SIGTERM."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=8, help="threads serving calls")
        parser.add_argument("--grace", type=float, default=5.0, help="seconds to finish calls")

    def handle(self, *args: Any, **options: Any) -> None:
        code = serve(
            add_services,
            name="inventory",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            grace=options["grace"],
        )
        if code:
            raise CommandError(f"cannot serve on {options['host']}:{options['port']}")

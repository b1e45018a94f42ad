"""``manage.py take_over_stock``: the service's first start takes the monolith's stock over.

Copies ``inventory_stockitem`` and ``inventory_reservation`` from the monolith's database into
this service's with strangler.migrate's backfill, verifies the copy (counts and checksums per
key range) and records that the service owns them. Every later start finds that record, says
so and copies nothing: the service's stock is its own from then on. Ids keep their values (an
order's reservation keeps its id); the service issues its own from 10**12 up, so rows made on
either side never collide (a learner going back a stage writes to the monolith's tables again).

The stage's set-up runs it after ``migrate`` and before any of the service's processes start;
a running shop moves its stock with the runbook instead (docs/migrating-data.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import database_url, hand_over, source_url
from strangler.service.monolith_source import add_source_argument

TABLES = ("inventory_stockitem", "inventory_reservation")


class Command(BaseCommand):
    help = "Copy and verify the monolith's stock and reservations, once (the first start)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_source_argument(parser)
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        source = source_url(options["source_url"])
        target = database_url(connection.settings_dict)
        try:
            result = hand_over(source, target, tables=TABLES, chunk_size=options["chunk_size"])
        except MigrateError as exc:
            raise CommandError(f"the stock was not taken over: {exc}") from exc
        if result.since is not None:
            self.stdout.write(
                f"the inventory service owns its stock since {result.since}: nothing copied "
                f"({', '.join(result.tables)} are this service's own)"
            )
            return
        for copied, verdict in zip(result.copied, result.verdicts, strict=True):
            self.stdout.write(
                f"{copied.table}: {copied.source_rows} rows in the monolith, "
                f"{copied.copied} copied ({copied.already_there} already here), "
                f"verify {'GO' if verdict.go else 'NO-GO'}"
            )
        if not result.go:
            raise CommandError(
                "NO-GO: the copy differs from the monolith's tables; nothing recorded, the next "
                "start copies and verifies again"
            )
        self.stdout.write("GO: the inventory service owns its stock from now on")

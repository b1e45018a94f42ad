"""``manage.py take_over_credentials``: the service's first start takes the customers'
credentials over from the monolith.

Copies each customer's id, e-mail, password hash, active flag, last login and timestamps from
the monolith's ``customers_customer`` into this service's ``accounts_credential`` with
strangler.migrate's backfill (the admin role is nobody's yet), verifies the copy (counts and
checksums per key range) and records that the service owns them. Every later start finds that
record and copies nothing: the credentials are identity's own from then on.

The stage's set-up runs it after ``migrate`` and before the service starts serving.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import database_url, hand_over, source_url
from strangler.migrate.plan import Move
from strangler.service.monolith_source import add_source_argument

CREDENTIALS = Move(
    table="accounts_credential",
    source_table="customers_customer",
    columns={
        "customer_id": "id",
        "email": "email",
        "password": "password",
        "is_active": "is_active",
        "last_login_at": "last_login_at",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
)


class Command(BaseCommand):
    help = "Copy and verify the customers' credentials from the monolith, once (the first start)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_source_argument(parser)
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        source = source_url(options["source_url"])
        target = database_url(connection.settings_dict)
        try:
            result = hand_over(
                source, target, moves=[CREDENTIALS], chunk_size=options["chunk_size"]
            )
        except MigrateError as exc:
            raise CommandError(f"the credentials were not taken over: {exc}") from exc
        if result.since is not None:
            self.stdout.write(
                f"the identity service owns the credentials since {result.since}: nothing copied"
            )
            return
        [copied], [verdict] = result.copied, result.verdicts
        self.stdout.write(
            f"{copied.table}: {copied.source_rows} customers in the monolith, "
            f"{copied.copied} copied ({copied.already_there} already here), "
            f"verify {'GO' if verdict.go else 'NO-GO'}"
        )
        if not result.go:
            raise CommandError(
                "NO-GO: the copy differs from the monolith's customers; nothing recorded, the "
                "next start copies and verifies again"
            )
        self.stdout.write("GO: the identity service owns the credentials from now on")

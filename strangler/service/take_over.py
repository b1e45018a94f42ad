"""The body of a service's ``take_over_<rows>`` command: its first start takes its rows over.

A service names what it takes (``tables`` by the monolith's names, or ``moves`` under names of
its own) and how its report calls them; :func:`strangler.migrate.handover.hand_over` copies,
verifies and, on GO, records that the service owns them. Every later start finds that record
and copies nothing. A stage's set-up runs the command after ``migrate`` and before any of the
service's processes start.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from strangler.migrate.errors import MigrateError
from strangler.migrate.handover import HandOver, database_url, hand_over, source_url
from strangler.migrate.plan import Move
from strangler.service.monolith_source import add_source_argument


class TakeOverCommand(BaseCommand):
    owner: ClassVar[str]  # "the inventory service"
    rows: ClassVar[str]  # what it takes, as its report names it: "its stock"
    tables: ClassVar[tuple[str, ...]] = ()
    moves: ClassVar[tuple[Move, ...]] = ()

    def add_arguments(self, parser: CommandParser) -> None:
        add_source_argument(parser)
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = hand_over(
                source_url(options["source_url"]),
                self.target_url(),
                tables=self.tables,
                moves=self.moves,
                chunk_size=options["chunk_size"],
            )
        except MigrateError as exc:
            raise CommandError(f"{self.rows} could not be taken over: {exc}") from exc
        if result.never_in_source:
            self.stdout.write(
                f"nothing to take over: the monolith's database never held "
                f"{', '.join(result.tables)} (made after the monolith's context was retired); "
                f"{self.owner} starts from its own rows, nothing recorded"
            )
            return
        if result.since is not None:
            self.stdout.write(
                f"{self.owner} owns {self.rows} since {result.since}: nothing copied "
                f"({', '.join(result.tables)} are this service's own)"
            )
            return
        self._report(result)
        if not result.go:
            raise CommandError(
                f"NO-GO: the copy of {self.rows} differs from the monolith's rows; nothing "
                "recorded, the next start copies and verifies again"
            )
        self.stdout.write(f"GO: {self.owner} owns {self.rows} from now on")

    def target_url(self) -> str:
        """This service's own database."""
        return database_url(connection.settings_dict)

    def _report(self, result: HandOver) -> None:
        for copied, verdict in zip(result.copied, result.verdicts, strict=True):
            self.stdout.write(
                f"{copied.table}: {copied.source_rows} rows in the monolith, "
                f"{copied.copied} copied ({copied.already_there} already here), "
                f"verify {'GO' if verdict.go else 'NO-GO'}"
            )

"""``manage.py backfill_notifications``: hand the monolith's notification history over.

Copies every row of the monolith's ``notifications_notification`` table into this service's
database, keeping the ids (links clients hold keep working). Idempotent: a row already here
is counted and skipped; a row whose id or (order, kind) is taken by a different notification
is reported as a conflict and not copied. The service issues its own ids from
``SERVICE_ID_FLOOR`` up (``strangler.service.ids``), so it can run again after both sides took
writes (a rollback, or going back a stage and forward again): the monolith's new rows are
copied, never clash with the service's. Run it before the service's worker starts
consuming (the stage's set-up does), then route ``/api/v1/notifications`` to the service.

A run that ends with every row of the monolith's table here (no conflict) records the hand-over
in this service's database (``strangler_migrate_handed_over``, as the other services' hand-overs
do), so ``migrate retire --context notifications`` may archive and drop the monolith's copy once
it proves every key here; a run with a conflict drops that record until one ends clean.

A monolith database without the table (one created at stage 2 or later, where the monolith's
notifications app is retired) has nothing to hand over: the command says so and succeeds.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from extracted.notifications.mail.models import Notification
from strangler.migrate.record import Statements, forget_statements, record_statements
from strangler.service.ids import SERVICE_ID_FLOOR, reserve_service_ids
from strangler.service.monolith_source import add_source_argument, source_database

TABLE = "notifications_notification"  # the monolith's (the service's table has its name too)
COLUMNS = (
    "id",
    "customer_id",
    "order_id",
    "kind",
    "recipient",
    "subject",
    "body",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
)


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _source_rows(config: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The monolith's rows, read over a plain DB-API connection (not one of this service's);
    None when its database has no notifications table."""
    query = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id"
    engine = config.get("ENGINE", "")
    if "sqlite3" in engine:
        path = Path(config["NAME"])
        if not path.is_file():
            raise FileNotFoundError(f"no SQLite database at {path}")
        with closing(sqlite3.connect(path)) as db:
            exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            if db.execute(exists, (TABLE,)).fetchone() is None:
                return None
            return [dict(zip(COLUMNS, row, strict=True)) for row in db.execute(query)]
    if "postgresql" in engine:
        import psycopg
        from psycopg.conninfo import make_conninfo

        params = {
            "host": config.get("HOST"),
            "port": config.get("PORT"),
            "user": config.get("USER"),
            "password": config.get("PASSWORD"),
            "dbname": config.get("NAME"),
        }
        conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v})
        with psycopg.connect(conninfo) as db:
            [(found,)] = db.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchall()
            if not found:
                return None
            return [dict(zip(COLUMNS, row, strict=True)) for row in db.execute(query)]
    raise CommandError(f"unsupported source database engine {engine!r}")


class Command(BaseCommand):
    help = "Copy the monolith's notifications into this service (idempotent; prints counts)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_source_argument(parser)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        config = source_database(options["source_url"])
        if config.get("NAME") == connection.settings_dict.get("NAME") and config.get(
            "ENGINE"
        ) == connection.settings_dict.get("ENGINE"):
            raise CommandError("the source is this service's own database")
        counts: Counter[str] = Counter()
        try:
            rows = _source_rows(config)
        except Exception as exc:
            raise CommandError(f"cannot read the monolith's notifications: {exc}") from exc
        if rows is None:
            reserve_service_ids(connection, (TABLE,))
            self.stdout.write(
                f"monolith notifications: nothing to hand over (its database has no {TABLE} "
                "table: the monolith never ran its notifications app)\n"
                f"service notifications now: {Notification.objects.count()}"
            )
            return
        if rows and rows[-1]["id"] >= SERVICE_ID_FLOOR:
            raise CommandError(
                f"the monolith's notification ids reach {SERVICE_ID_FLOOR}, where this service "
                "issues its own: nothing copied"
            )
        for start in range(0, len(rows), options["batch_size"]):
            self._copy(rows[start : start + options["batch_size"]], counts)
        reserve_service_ids(connection, (TABLE,))
        by_status = Counter(row["status"] for row in rows)
        self.stdout.write(
            f"monolith notifications: {len(rows)} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(by_status.items())) or 'none'})\n"
            f"copied: {counts['copied']}, already here: {counts['present']}, "
            f"conflicts: {counts['conflict']}\n"
            f"service notifications now: {Notification.objects.count()}"
        )
        if counts["conflict"]:
            self._record(forget_statements)
            raise CommandError(
                f"{counts['conflict']} conflicting row(s) were not copied; the hand-over is not "
                "recorded (`migrate retire` refuses the monolith's table until it is)"
            )
        self._record(record_statements)
        self.stdout.write(
            f"recorded: this service holds every row of the monolith's {TABLE} "
            "(`python -m strangler migrate retire --context notifications` may archive and "
            "drop it)"
        )

    @staticmethod
    def _record(statements: Callable[[Sequence[str], str], Statements]) -> None:
        """Write (or, after a conflict, drop) the hand-over record ``migrate retire`` asks for:
        through this service's own connection, so it holds whatever the engine."""
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in statements((TABLE,), "%s"):
                cursor.execute(sql, params)

    @transaction.atomic
    def _copy(self, rows: list[dict[str, Any]], counts: Counter[str]) -> None:
        ids = [row["id"] for row in rows]
        here = {n.pk: n for n in Notification.objects.filter(pk__in=ids)}
        taken = {
            (n.order_id, n.kind): n.pk
            for n in Notification.objects.filter(order_id__in=[r["order_id"] for r in rows])
        }
        new = []
        for row in rows:
            existing = here.get(row["id"])
            if existing is not None:
                same = (existing.order_id, existing.kind, existing.customer_id) == (
                    row["order_id"],
                    row["kind"],
                    row["customer_id"],
                )
                counts["present" if same else "conflict"] += 1
                continue
            if row["order_id"] is not None and (row["order_id"], row["kind"]) in taken:
                counts["conflict"] += 1
                continue
            new.append(
                Notification(
                    **{**row, "created_at": _aware(row["created_at"])},
                    origin=Notification.Origin.BACKFILL,
                )
            )
            new[-1].sent_at = _aware(row["sent_at"])
        Notification.objects.bulk_create(new)
        counts["copied"] += len(new)

"""Notification ids that cannot collide with the monolith's.

The monolith numbers its notifications from 1 and keeps doing so whenever it owns them again
(a rollback, or a learner going back a stage). Ids this service issues itself therefore start
at ``SERVICE_ID_FLOOR``: the handed-over history keeps its ids (links clients hold keep
working) and the service's own rows live in a range the monolith never reaches, so a
hand-over run after both sides took writes copies the monolith's new rows without a clash.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# 10**12: far beyond any shop's count of notifications, well inside JSON's exact integers.
SERVICE_ID_FLOOR = 1_000_000_000_000
TABLE = "notifications_notification"


def reserve_service_ids(connection: BaseDatabaseWrapper) -> None:
    """Make the next id this service issues at least ``SERVICE_ID_FLOOR`` (never lower it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"GREATEST(%s, (SELECT COALESCE(MAX(id), 0) FROM {TABLE})))",
                [TABLE, SERVICE_ID_FLOOR - 1],
            )
        elif connection.vendor == "sqlite":
            # AUTOINCREMENT issues max(sqlite_sequence.seq, MAX(rowid)) + 1.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [TABLE])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [TABLE, SERVICE_ID_FLOOR - 1],
                )
            elif row[0] < SERVICE_ID_FLOOR - 1:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                    [SERVICE_ID_FLOOR - 1, TABLE],
                )
        else:
            raise NotImplementedError(f"no id floor for the {connection.vendor} engine")

"""Ids an extracted service issues start at ``SERVICE_ID_FLOOR``.

The monolith numbers its rows from 1 and keeps doing so whenever it owns a context's data
again (a rollback, or a learner going back a stage). A service's own rows live in a range the
monolith never reaches, so a hand-over run after both sides took writes copies the monolith's
new rows without a clash, and the handed-over rows keep their ids (links clients hold keep
working). Each service calls ``reserve_service_ids`` from a migration of its own, naming its
tables.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# 10**12: far beyond any shop's count of rows, well inside JSON's exact integers.
SERVICE_ID_FLOOR = 1_000_000_000_000


def reserve_service_ids(connection: BaseDatabaseWrapper, tables: tuple[str, ...]) -> None:
    """Make the next id issued in each table at least ``SERVICE_ID_FLOOR`` (never lower it)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"GREATEST(%s, (SELECT COALESCE(MAX(id), 0) FROM {table})))",
                    [table, SERVICE_ID_FLOOR - 1],
                )
            elif connection.vendor == "sqlite":
                # AUTOINCREMENT issues max(sqlite_sequence.seq, MAX(rowid)) + 1.
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                if row is None:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, SERVICE_ID_FLOOR - 1],
                    )
                elif row[0] < SERVICE_ID_FLOOR - 1:
                    cursor.execute(
                        "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                        [SERVICE_ID_FLOOR - 1, table],
                    )
            else:
                raise NotImplementedError(f"no id floor for the {connection.vendor} engine")

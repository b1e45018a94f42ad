"""Two writes of reservations that hand back the rows they wrote, one statement each.

Django's ORM cannot say either: ``QuerySet.update()`` returns a count, and ``bulk_create``
returns no rows for an insert that skips conflicts. Both are SQL that PostgreSQL and SQLite
(3.35 on) run alike; ``Reservation.objects.raw`` maps what they return back to models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import connection

from monolith.inventory.models import Reservation

_COLUMNS = ("order_id", "sku", "quantity", "status", "expires_at", "created_at", "updated_at")


def _name(identifier: str) -> str:
    return connection.ops.quote_name(identifier)


def insert_new(
    *, order_id: int, lines: Mapping[str, int], expires_at: datetime, now: datetime
) -> list[Reservation]:
    """The order's active reservation rows for ``lines`` (SKU -> quantity), inserted; a SKU the
    order already has a row for is skipped (``ON CONFLICT DO NOTHING``) and missing from the
    result. The rows come back sorted by SKU."""
    one_row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    params: list[object] = []
    for sku, quantity in lines.items():
        params += [order_id, sku, quantity, Reservation.Status.ACTIVE, expires_at, now, now]
    sql = (
        f"INSERT INTO {_name(Reservation._meta.db_table)} "
        f"({', '.join(_name(c) for c in _COLUMNS)}) VALUES {', '.join([one_row] * len(lines))} "
        f"ON CONFLICT ({_name('order_id')}, {_name('sku')}) DO NOTHING RETURNING *"
    )
    return sorted(Reservation.objects.raw(sql, params), key=lambda r: r.sku)


def move(
    *, order_id: int, source: str, target: str, now: datetime, expired_by: datetime | None = None
) -> list[Reservation]:
    """The order's rows in status ``source`` (and, with ``expired_by``, expired by then), set to
    ``target`` and returned sorted by SKU. They are locked as a ``SELECT ... FOR UPDATE`` in SKU
    order would lock them (so concurrent moves of one order cannot deadlock); ``status`` and
    ``updated_at`` on the returned rows are the new ones."""
    table, pk = _name(Reservation._meta.db_table), _name(Reservation._meta.pk.attname)
    status, expires = _name("status"), _name("expires_at")
    condition = f"{_name('order_id')} = %s AND {status} = %s"
    params: list[object] = [order_id, source]
    if expired_by is not None:
        condition += f" AND {expires} <= %s"
        params.append(expired_by)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"UPDATE {table} SET {status} = %s, {_name('updated_at')} = %s "
        f"WHERE {condition} AND {pk} IN "
        f"(SELECT {pk} FROM {table} WHERE {condition} ORDER BY {_name('sku')}{lock}) "
        "RETURNING *"
    )
    return sorted(
        Reservation.objects.raw(sql, [target, now, *params, *params]), key=lambda r: r.sku
    )

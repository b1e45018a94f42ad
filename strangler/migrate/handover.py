"""A service's first start takes its tables over from the monolith: copy, prove, record; once.

The runbook (docs/migrating-data.md) moves a context's data out of a shop that keeps taking
writes: capture, backfill, sync, verify, shadow, flip. A stage set up from a stopped shop (the
demo) needs only its first two proofs: ``hand_over`` backfills the tables, verifies them and,
on GO, records in the target that the service owns them. Every later start finds that record
and copies nothing: the service's rows are its own from then on, whatever the monolith's tables
hold (a learner who went back a stage wrote to those; the service never takes them again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from strangler.migrate.backfill import TableResult, backfill_table, exclusive
from strangler.migrate.endpoints import Endpoint, open_endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.plan import Move, TablePlan, opened
from strangler.migrate.record import HANDED_OVER, record_statements
from strangler.migrate.verify import TableVerdict, prepare, verify_table
from strangler.service.monolith_source import source_database


@dataclass
class HandOver:
    tables: tuple[str, ...]
    copied: list[TableResult] = field(default_factory=list)
    verdicts: list[TableVerdict] = field(default_factory=list)
    # when the target owned every table already (an earlier start took them over)
    since: str | None = None
    # when the monolith's database never held them (made after the context was retired)
    never_in_source: bool = False

    @property
    def go(self) -> bool:
        return all(v.go for v in self.verdicts)


def database_url(config: dict[str, Any]) -> str:
    """A Django ``DATABASES`` entry as the URL the migrate commands take."""
    engine = config.get("ENGINE", "")
    if "sqlite3" in engine:
        return f"sqlite:///{config['NAME']}"
    if "postgresql" in engine:
        user = quote(str(config.get("USER") or ""), safe="")
        password = quote(str(config.get("PASSWORD") or ""), safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = config.get("HOST") or "localhost"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{quote(str(config['NAME']), safe='')}"
    raise MigrateError(f"no migrate URL for the database engine {engine!r}")


def source_url(given: str) -> str:
    """The monolith's database as a migrate URL: the ``--source-url`` given, else built from
    the monolith's own settings."""
    return given or database_url(source_database(given))


def handed_over(target: Endpoint) -> dict[str, str]:
    """Every table ``target`` recorded taking over, and when."""
    if HANDED_OVER not in target.tables():
        return {}
    query = f"SELECT table_name, handed_over_at FROM {HANDED_OVER}"
    return {name: str(at) for name, at in target.rows(query)}


def owned_since(target: Endpoint, tables: Sequence[TablePlan]) -> str | None:
    """When ``target`` recorded taking over all of ``tables`` (the earliest), else None."""
    recorded = handed_over(target)
    found = [recorded[t.name] for t in tables if t.name in recorded]
    if len(found) < len(tables):
        return None
    return min(found)


def _record(target: Endpoint, tables: Sequence[TablePlan]) -> None:
    with target.transaction():
        for sql, params in record_statements([t.name for t in tables], target.placeholder):
            target.connection.execute(sql, params)


def _never_in_source(source_url: str, tables: Sequence[str]) -> bool:
    """The monolith's database is a Django one whose migrations never created the apps of
    ``tables`` (``<app_label>_<model>``): it was made from a tree that had retired the context
    (a fresh install of a later stage), so there is nothing to take over. A database without
    ``django_migrations`` (a wrong ``--source-url``) or with some of the tables is not that."""
    source = open_endpoint(source_url, role="source")
    try:
        present = set(source.tables())
        if "django_migrations" not in present or present & set(tables):
            return False
        apps = sorted({name.split("_", 1)[0] for name in tables})
        marks = ", ".join([source.placeholder] * len(apps))
        [(applied,)] = source.rows(
            f"SELECT COUNT(*) FROM django_migrations WHERE app IN ({marks})", apps
        )
        return int(applied) == 0
    finally:
        source.close()


def hand_over(
    source_url: str,
    target_url: str,
    *,
    tables: Sequence[str] = (),
    moves: Sequence[Move] = (),
    chunk_size: int = 50_000,
) -> HandOver:
    """Copy ``tables``, or the rows of ``moves`` under the service's own names (resuming a
    copy cut short), and verify them, unless the target owns them already. The record is
    written only on GO: a NO-GO leaves the next start to try again. A monolith's database
    that never held the tables (the context was retired before it was made) hands nothing
    over and records nothing.
    """
    sources = [move.source_table for move in moves] or list(tables)
    if _never_in_source(source_url, sources):
        return HandOver(tables=tuple(sources), never_in_source=True)
    opening = opened(source_url, target_url, context="", tables=tables, moves=moves)
    with opening as (source, target, plans):
        result = HandOver(tables=tuple(p.name for p in plans))
        result.since = owned_since(target, plans)
        if result.since is not None:
            return result
        with exclusive(target):
            result.copied = [
                backfill_table(source, target, plan, chunk_size=chunk_size) for plan in plans
            ]
        prepare(source)
        prepare(target)
        result.verdicts = [
            verify_table(source, target, plan, chunk_size=chunk_size) for plan in plans
        ]
        if result.go:
            _record(target, plans)
        return result

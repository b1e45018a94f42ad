"""What a migration moves: a context's tables, checked on both sides before anything is written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from strangler.migrate.endpoints import Endpoint, open_endpoint
from strangler.migrate.errors import MigrateError


@dataclass(frozen=True)
class TablePlan:
    name: str
    columns: tuple[str, ...]
    key: str

    @property
    def key_index(self) -> int:
        return self.columns.index(self.key)


def context_tables(source: Endpoint, context: str) -> list[str]:
    """A Django app's tables by its naming convention: ``<app_label>_<model>``."""
    tables = [t for t in source.tables() if t.startswith(f"{context}_")]
    if not tables:
        raise MigrateError(f"the source database has no table of the context {context!r}")
    return tables


def plan(source: Endpoint, target: Endpoint, tables: Sequence[str]) -> list[TablePlan]:
    """Every table present on both sides, same columns, one-column key; else a MigrateError."""
    problems: list[str] = []
    plans: list[TablePlan] = []
    for table in tables:
        here, there = source.columns(table), target.columns(table)
        if not here or not there:
            side = "source" if not here else "target"
            problems.append(f"{table}: no such table in the {side} database")
            continue
        if set(here) != set(there):
            only_source = sorted(set(here) - set(there))
            only_target = sorted(set(there) - set(here))
            problems.append(
                f"{table}: the schemas differ (only in the source: {', '.join(only_source) or '-'};"
                f" only in the target: {', '.join(only_target) or '-'})"
            )
            continue
        key = source.primary_key(table)
        if len(key) != 1 or target.primary_key(table) != key:
            problems.append(f"{table}: needs the same one-column primary key on both sides")
            continue
        plans.append(TablePlan(name=table, columns=tuple(here), key=key[0]))
    if problems:
        raise MigrateError("cannot start (nothing was written):\n  " + "\n  ".join(problems))
    return plans


@contextmanager
def opened(
    source_url: str, target_url: str, *, context: str, tables: Sequence[str] = ()
) -> Iterator[tuple[Endpoint, Endpoint, list[TablePlan]]]:
    """Both databases open, and the plan of ``tables`` (default: the context's tables); both
    closed when the block ends, whatever happened."""
    if source_url == target_url:
        raise MigrateError("the source and the target are the same database")
    with ExitStack() as stack:
        source = open_endpoint(source_url, role="source")
        stack.callback(source.close)
        target = open_endpoint(target_url, role="target")
        stack.callback(target.close)
        yield source, target, plan(source, target, tables or context_tables(source, context))

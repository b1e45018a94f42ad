"""What a migration moves: a context's tables, checked on both sides before anything is written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace

from strangler.migrate.endpoints import Endpoint, open_endpoint
from strangler.migrate.errors import MigrateError


@dataclass(frozen=True)
class TablePlan:
    """A table as the target has it; ``source_name`` and ``source_columns`` (same order) name
    it in the source when a service takes rows over under names of its own (see :class:`Move`)."""

    name: str
    columns: tuple[str, ...]
    key: str
    source_name: str = ""
    source_columns: tuple[str, ...] = ()

    @property
    def key_index(self) -> int:
        return self.columns.index(self.key)

    @property
    def at_source(self) -> TablePlan:
        """The same table as the source names it."""
        if not self.source_name:
            return self
        columns = self.source_columns
        return replace(
            self, name=self.source_name, columns=columns, key=columns[self.key_index],
            source_name="", source_columns=(),
        )  # fmt: skip


@dataclass(frozen=True)
class Move:
    """Rows a service takes over under its own names: the target table, the source table, and
    each target column with the source column it is copied from (a target column left out
    takes its database default)."""

    table: str
    source_table: str
    columns: Mapping[str, str]


def context_tables(source: Endpoint, context: str) -> list[str]:
    """A Django app's tables by its naming convention: ``<app_label>_<model>``."""
    tables = [t for t in source.tables() if t.startswith(f"{context}_")]
    if not tables:
        raise MigrateError(f"the source database has no table of the context {context!r}")
    return tables


def plan(
    source: Endpoint, target: Endpoint, tables: Sequence[str], *, target_may_add: bool = False
) -> list[TablePlan]:
    """Every table present on both sides, same columns, one-column key; else a MigrateError.
    ``target_may_add``: the target may have columns of its own besides the source's (a service
    that added some since it took the table over), for a step that copies nothing into it."""
    problems: list[str] = []
    plans: list[TablePlan] = []
    for table in tables:
        here, there = source.columns(table), target.columns(table)
        if not here or not there:
            side = "source" if not here else "target"
            problems.append(f"{table}: no such table in the {side} database")
            continue
        only_source = sorted(set(here) - set(there))
        only_target = sorted(set(there) - set(here))
        if only_source or (only_target and not target_may_add):
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


def plan_moves(source: Endpoint, target: Endpoint, moves: Sequence[Move]) -> list[TablePlan]:
    """Every move's columns present on both sides, its key the one-column primary key of both."""
    problems: list[str] = []
    plans: list[TablePlan] = []
    for move in moves:
        here, there = set(source.columns(move.source_table)), set(target.columns(move.table))
        missing = sorted(
            [f"{move.source_table}.{c}" for c in move.columns.values() if c not in here]
            + [f"{move.table}.{c}" for c in move.columns if c not in there]
        )
        if missing:
            problems.append(f"{move.table}: no such column {', '.join(missing)}")
            continue
        keys = target.primary_key(move.table)
        key = keys[0] if len(keys) == 1 else ""
        if key not in move.columns or source.primary_key(move.source_table) != [move.columns[key]]:
            problems.append(f"{move.table}: needs its key copied from the source's primary key")
            continue
        plans.append(
            TablePlan(
                name=move.table,
                columns=tuple(move.columns),
                key=key,
                source_name=move.source_table,
                source_columns=tuple(move.columns.values()),
            )
        )
    if problems:
        raise MigrateError("cannot start (nothing was written):\n  " + "\n  ".join(problems))
    return plans


@contextmanager
def opened(
    source_url: str,
    target_url: str,
    *,
    context: str,
    tables: Sequence[str] = (),
    moves: Sequence[Move] = (),
    target_may_add: bool = False,
) -> Iterator[tuple[Endpoint, Endpoint, list[TablePlan]]]:
    """Both databases open, and the plan of ``moves``, else of ``tables`` (default: the
    context's tables; ``target_may_add`` as for :func:`plan`); both closed when the block
    ends, whatever happened."""
    if source_url == target_url:
        raise MigrateError("the source and the target are the same database")
    with ExitStack() as stack:
        source = open_endpoint(source_url, role="source")
        stack.callback(source.close)
        target = open_endpoint(target_url, role="target")
        stack.callback(target.close)
        if moves:
            yield source, target, plan_moves(source, target, moves)
        else:
            found = tables or context_tables(source, context)
            yield source, target, plan(source, target, found, target_may_add=target_may_add)

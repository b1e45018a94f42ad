"""Compare a table on both sides by row counts and per-chunk checksums computed in each database.

Chunks are key ranges cut from the source every ``chunk_size`` keys; the last range is open so
rows only the target holds are counted too. Each database hashes its own rows, both at the
same time, so only one digest per chunk crosses the wire. A chunk's digest is the sum of its
rows' 64-bit hashes: it needs no sort and no concatenation (about twice as fast as an md5 of
the ordered row hashes), and a changed, missing or extra row changes it (short of a 64-bit
collision). A row's hash is PostgreSQL's ``hash_record_extended`` of its values when every
column's type hashes by value (about twice as fast again: no row is turned into text), else the
first 64 bits of the md5 of its text (SQLite: a function registered on the connection). Where
a chunk differs, its per-row hashes are compared to name every differing key. Both sides must
be the same engine: a row's text differs between engines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from strangler.migrate.endpoints import Endpoint
from strangler.migrate.errors import MigrateError
from strangler.migrate.plan import TablePlan

Range = tuple[Any, Any]  # (exclusive low, inclusive high); None is open


@dataclass
class TableVerdict:
    table: str
    source_rows: int
    target_rows: int
    chunks: int
    differing_chunks: int = 0
    missing: list[Any] = field(default_factory=list)  # in the source only
    extra: list[Any] = field(default_factory=list)  # in the target only
    changed: list[Any] = field(default_factory=list)

    @property
    def go(self) -> bool:
        return self.source_rows == self.target_rows and not self.differing_chunks


def _md5(text: str | None) -> str:
    return hashlib.md5((text or "").encode(), usedforsecurity=False).hexdigest()


class _Digest:
    """SQLite aggregate: the sum of the rows' hashes read as signed 64-bit numbers, in
    decimal (what :func:`chunk_digest`'s PostgreSQL query gives for the same hashes)."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, row_hash: str) -> None:
        self.total += int.from_bytes(bytes.fromhex(row_hash[:16]), "big", signed=True)

    def finalize(self) -> str:
        return str(self.total)


def prepare(endpoint: Endpoint) -> None:
    if endpoint.vendor == "sqlite":
        endpoint.connection.create_function("strangler_md5", 1, _md5, deterministic=True)
        endpoint.connection.create_aggregate("strangler_digest", 1, _Digest)


def _row_hash(endpoint: Endpoint, table: TablePlan) -> str:
    cols = [endpoint.quote(c) for c in table.columns]
    if endpoint.vendor == "postgresql":
        return f"md5(ROW({', '.join(cols)})::text)"
    text = " || '|' || ".join(f"quote({c})" for c in cols)
    return f"strangler_md5({text})"


# Types whose hash is a function of the value alone (hash partitioning's, stable across
# databases and versions): an enum's hashes its OID, and json has none.
_HASHED_BY_VALUE = frozenset(
    {"int2", "int4", "int8", "numeric", "float4", "float8", "bool", "text", "varchar",
     "bpchar", "bytea", "uuid", "date", "time", "timestamp", "timestamptz", "interval", "jsonb"}
)  # fmt: skip


def hashed_in_place(endpoint: Endpoint, table: TablePlan) -> bool:
    """True when PostgreSQL (14 and later) can hash the table's rows without their text."""
    if endpoint.vendor != "postgresql" or int(endpoint.value("SHOW server_version_num")) < 140000:
        return False
    types = endpoint.rows(
        "SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [endpoint.quote(table.name)],
    )
    return all(name in _HASHED_BY_VALUE for (name,) in types)


def _where(endpoint: Endpoint, table: TablePlan, span: Range) -> tuple[str, list[Any]]:
    key, mark = endpoint.quote(table.key), endpoint.placeholder
    clauses, params = [], []
    if span[0] is not None:
        clauses.append(f"{key} > {mark}")
        params.append(span[0])
    if span[1] is not None:
        clauses.append(f"{key} <= {mark}")
        params.append(span[1])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def boundaries(source: Endpoint, table: TablePlan, chunk_size: int) -> list[Range]:
    key, name = source.quote(table.key), source.quote(table.name)
    ranges: list[Range] = []
    low: Any = None
    while True:
        where, params = _where(source, table, (low, None))
        high = source.value(
            f"SELECT {key} FROM {name}{where} ORDER BY {key} LIMIT 1 OFFSET {chunk_size - 1}",
            params,
        )
        if high is None:
            ranges.append((low, None))
            return ranges
        ranges.append((low, high))
        low = high


def chunk_digest(
    endpoint: Endpoint, table: TablePlan, span: Range, in_place: bool = False
) -> tuple[int, str]:
    """The count and digest of a key range; ``in_place``: PostgreSQL's own 64-bit hash of each
    row's values (``hash_record_extended``), not the md5 of its text: about twice as fast."""
    where, params = _where(endpoint, table, span)
    row_hash = _row_hash(endpoint, table)
    if in_place:
        cols = ", ".join(endpoint.quote(c) for c in table.columns)
        agg = f"COALESCE(SUM(hash_record_extended(ROW({cols}), 0)), 0)"
    elif endpoint.vendor == "postgresql":
        agg = f"COALESCE(SUM(('x' || left({row_hash}, 16))::bit(64)::bigint), 0)"
    else:
        agg = f"strangler_digest({row_hash})"
    count, digest = endpoint.rows(
        f"SELECT COUNT(*), {agg} FROM {endpoint.quote(table.name)}{where}", params
    )[0]
    return int(count), str(digest or 0)


def row_hashes(endpoint: Endpoint, table: TablePlan, span: Range) -> dict[Any, str]:
    where, params = _where(endpoint, table, span)
    query = (
        f"SELECT {endpoint.quote(table.key)}, {_row_hash(endpoint, table)} "
        f"FROM {endpoint.quote(table.name)}{where}"
    )
    return dict(endpoint.rows(query, params))  # type: ignore[arg-type]


def verify_table(
    source: Endpoint,
    target: Endpoint,
    table: TablePlan,
    *,
    chunk_size: int,
    on_chunk: Callable[[int], None] = lambda rows: None,
) -> TableVerdict:
    if source.vendor != target.vendor:
        raise MigrateError(
            f"verify compares two databases of one engine ({source.vendor} vs {target.vendor})"
        )
    read = table.at_source
    ranges = boundaries(source, read, chunk_size)
    in_place = hashed_in_place(source, read) and hashed_in_place(target, table)
    verdict = TableVerdict(table=table.name, source_rows=0, target_rows=0, chunks=len(ranges))
    with ThreadPoolExecutor(max_workers=1) as beside:  # both databases hash at the same time
        for span in ranges:
            source_side = beside.submit(chunk_digest, source, read, span, in_place)
            there, there_digest = chunk_digest(target, table, span, in_place)
            here, here_digest = source_side.result()
            verdict.source_rows += here
            verdict.target_rows += there
            if (here, here_digest) != (there, there_digest):
                verdict.differing_chunks += 1
                _name_differing_keys(source, target, table, span, verdict)
            on_chunk(here)
    return verdict


def _name_differing_keys(
    source: Endpoint, target: Endpoint, table: TablePlan, span: Range, verdict: TableVerdict
) -> None:
    mine, theirs = row_hashes(source, table.at_source, span), row_hashes(target, table, span)
    verdict.missing += sorted(set(mine) - set(theirs))
    verdict.extra += sorted(set(theirs) - set(mine))
    verdict.changed += sorted(k for k in set(mine) & set(theirs) if mine[k] != theirs[k])

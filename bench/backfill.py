"""``python -m bench.backfill``: moving a million inventory rows, our tool against raw ``psql``.

Two PostgreSQL databases of their own on the server ``DATABASE_URL`` names (created here,
dropped at the end), the source holding ``--rows`` rows shaped like the monolith's
``inventory_stockitem`` (id, sku, on_hand, reserved, updated_at; the unique sku index too).
Each round, on an emptied target:

- raw: ``psql -c "\\copy ... TO STDOUT" | psql -c "\\copy ... FROM STDIN"``, the floor;
- ours: ``python -m strangler migrate backfill`` then ``verify`` (counts and per-chunk
  checksums inside both databases), as a team would run them.

The clients (psql, our commands) are pinned to core 0 with ``taskset``; the PostgreSQL server
is shared and not pinned. The sides take turns for ``--rounds`` rounds; the median is shown.
The ratio is raw seconds over ours (backfill + verify): the goal is 0.5 or more. A benchmark,
not a test: it exits non-zero only when something could not run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from bench.cpu import PROXY_CPU, Pinning
from bench.progress import say

TABLE = "inventory_stockitem"
SCHEMA = f"""
CREATE TABLE {TABLE} (
    id bigint PRIMARY KEY, sku varchar(64) NOT NULL UNIQUE, on_hand integer NOT NULL,
    reserved integer NOT NULL, updated_at timestamptz NOT NULL)
"""
FILL = f"""
INSERT INTO {TABLE}
SELECT i, 'SKU-' || lpad(i::text, 8, '0'), mod(i * 7, 500), mod(i * 3, 11),
       timestamptz '2026-01-01' + i * interval '1 second'
FROM generate_series(1, %s) AS i
"""


@dataclass
class Round:
    raw: float
    backfill: float
    verify: float

    @property
    def ours(self) -> float:
        return self.backfill + self.verify


class Server:
    """Databases of our own on the server ``DATABASE_URL`` names, dropped when done."""

    def __init__(self, url: str) -> None:
        self.base = url.rsplit("/", 1)[0]
        self.admin = self.base + "/postgres"
        self.created: list[str] = []

    def create(self, name: str) -> str:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        if name not in self.created:
            self.created.append(name)
        return f"{self.base}/{name}"

    def drop_all(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(url: str, *statements: str, params: Sequence[object] = ()) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement, params if "%s" in statement else ())


@contextmanager
def _timed() -> Iterator[list[float]]:
    took: list[float] = []
    started = time.perf_counter()
    yield took
    took.append(time.perf_counter() - started)


def _run(argv: list[str], *, stdin: int | None = None) -> None:
    done = subprocess.run(argv, stdin=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed: {done.stderr.strip()[-500:]}")


def raw_copy(pinning: Pinning, source: str, target: str) -> float:
    """psql COPY out piped into psql COPY in; the seconds it took."""
    out_argv = pinning.argv(
        PROXY_CPU, ["psql", "-X", "-q", source, "-c", f"\\copy {TABLE} TO STDOUT"]
    )
    in_argv = pinning.argv(
        PROXY_CPU, ["psql", "-X", "-q", target, "-c", f"\\copy {TABLE} FROM STDIN"]
    )
    with _timed() as took:
        writer = subprocess.Popen(out_argv, stdout=subprocess.PIPE)
        assert writer.stdout is not None
        try:
            _run(in_argv, stdin=writer.stdout.fileno())
        finally:
            writer.stdout.close()
            if writer.wait() != 0:
                raise RuntimeError("psql COPY TO STDOUT failed")
    return took[0]


def ours(pinning: Pinning, source: str, target: str, command: str, chunk: int) -> float:
    argv = [sys.executable, "-m", "strangler", "migrate", command, "--source", source]
    argv += ["--target", target, "--table", TABLE, "--chunk-size", str(chunk)]
    with _timed() as took:
        _run(pinning.argv(PROXY_CPU, argv))
    return took[0]


def run(args: argparse.Namespace) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        say("DATABASE_URL must name a PostgreSQL server (make bench sets it)")
        return 2
    pinning = Pinning.detect()
    if not pinning.enabled:
        say(f"running without CPU pinning: {pinning.reason}")
    server = Server(url)
    tag = uuid.uuid4().hex[:6]
    rounds: list[Round] = []
    try:
        source = server.create(f"bench_backfill_src_{tag}")
        say(f"filling the source with {args.rows:,} rows")
        _execute(source, SCHEMA, FILL, "VACUUM ANALYZE " + TABLE, params=[args.rows])
        for number in range(1, args.rounds + 1):
            target = server.create(f"bench_backfill_dst_{tag}")
            _execute(target, SCHEMA)
            raw = raw_copy(pinning, source, target)
            target = server.create(f"bench_backfill_dst_{tag}")
            _execute(target, SCHEMA)
            backfill = ours(pinning, source, target, "backfill", args.chunk_size)
            verify = ours(pinning, source, target, "verify", args.chunk_size)
            rounds.append(Round(raw, backfill, verify))
            say(f"round {number}: raw {raw:.2f}s, backfill {backfill:.2f}s, verify {verify:.2f}s")
    except (RuntimeError, psycopg.Error, OSError) as exc:
        say(f"FAILED: {exc}")
        return 1
    finally:
        server.drop_all()
    print()
    print(render(rounds, args, pinning))
    return 0


def render(rounds: Sequence[Round], args: argparse.Namespace, pinning: Pinning) -> str:
    """The median round (by our total time): seconds and rows/s per step, then the ratio."""
    middle = sorted(rounds, key=lambda r: r.ours)[len(rounds) // 2]
    pinned = f"clients on core {PROXY_CPU}" if pinning.enabled else f"NOT pinned ({pinning.reason})"
    rows = args.rows
    lines = [
        f"{rows:,} rows of {TABLE} between two PostgreSQL databases; chunks of "
        f"{args.chunk_size:,}; {pinned}; median of {len(rounds)} round(s)",
        "",
        f"{'step':<34}{'seconds':>10}{'rows/s':>14}",
        "-" * 58,
    ]
    for label, seconds in (
        ("raw psql COPY out | COPY in", middle.raw),
        ("migrate backfill", middle.backfill),
        ("migrate verify", middle.verify),
        ("migrate backfill + verify", middle.ours),
    ):
        lines.append(f"{label:<34}{seconds:>10.2f}{rows / seconds:>14,.0f}")
    ratio = middle.raw / middle.ours
    spread = statistics.pstdev([r.raw / r.ours for r in rounds]) if len(rounds) > 1 else 0.0
    lines += [
        "",
        f"ratio (backfill + verify) / raw COPY, in rows/s: {ratio:.2f} "
        f"(+/- {spread:.2f} over the rounds; goal 0.5 or more: "
        f"{'met' if ratio >= 0.5 else 'NOT met'})",
        f"Absolute figures move with the machine's load (load average {os.getloadavg()[0]:.1f} "
        "at the end; the server is shared); the sides take turns, compare the ratio.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="the median round is shown")
    parser.add_argument("--chunk-size", type=int, default=50_000, help="our rows per chunk")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

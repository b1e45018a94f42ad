"""``python -m bench.tracing``: what tracing costs a checkout, traced against untraced, in one run.

Two monoliths on one database, the same code and settings (the latest stage's, or
``--stage N``'s: stage 0 or 2 checks out in one process, as the monolith did before the
split), one with
OpenTelemetry on (Django, the database, the outbox: spans to JSON lines, as a stage writes
them) and one with ``OTEL_SDK_DISABLED=true``. Both are pinned to core 0, the load to core 1;
they take turns under the same load (``--clients`` customers, each adding an item and
checking out in a loop), for ``--rounds`` rounds, the first side alternating, so a slow spell
of a shared machine hits both alike, and each round on new processes, since a process keeps
its own speed for its life. Throughput and the monolith's CPU time per checkout are printed
per round, then the medians and the median of the rounds' ratios (issue goal: traced >= 0.9x
untraced).

``DATABASE_URL`` pointing at PostgreSQL: a database of its own (``<its name>_bench_<run>``),
dropped at the end; otherwise SQLite in a temporary folder. A
benchmark, not a test: it exits non-zero only when something could not run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench.checkouts import LoadFailed, LoadResult, checkout_load, customer
from bench.cpu import PROXY_CPU, Pinning, pin_load_here, session_cpu_seconds
from bench.progress import say
from strangler.contracts.compat.moved import routed_elsewhere
from strangler.stages.launcher import argv_of, run_setup, stage_env
from strangler.stages.manifest import (
    PLACEHOLDER,
    ProcessSpec,
    Stage,
    get_stage,
    latest_stage,
    missing_paths,
)
from strangler.stages.processes import ProcessFailed, ProcessGroup, free_port, ready_when_http_ok

ROOT = Path(__file__).resolve().parents[1]
SIDES = ("traced", "untraced")
STOCK = 10_000_000


def _restock() -> None:
    """(In a monolith process) the SKU every checkout buys on stdout, and plenty of it where
    the monolith holds the inventory context (a tree before stage 4's retirement); the
    inventory service's shelf is set by its own command (:meth:`Shop.setup`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.shop.settings")
    import django

    django.setup()
    from django.apps import apps

    from monolith.catalog import interface as catalog

    sku = catalog.seed_demo_catalog()[0].sku
    if apps.is_installed("monolith.inventory"):
        from monolith.inventory import interface as inventory

        inventory.set_stock(sku=sku, on_hand=STOCK)
    print(sku)


def called_services(stage: Stage) -> tuple[ProcessSpec, ...]:
    """The stage's web services a monolith's request reaches: those whose port the stage's
    settings name (``INVENTORY_SERVICE_URL=http://127.0.0.1:{port:inventory}``), the monolith
    itself left out (the bench runs its own; a service that calls it back does so off the
    checkout's path)."""
    named = {m.group(2) for _, value in stage.settings for m in PLACEHOLDER.finditer(value)}
    return tuple(
        p
        for p in stage.processes
        if p.port_name in named and p.ready == "http" and p.service != "monolith"
    )


class Shop:
    """The two monoliths, their database and the processes' logs, in a temporary folder; the
    services the stage's monolith calls (inventory from stage 3, payments and fraud from stage
    4, identity from stage 5), one instance each, their databases beside the monolith's."""

    def __init__(
        self, pinning: Pinning, traced_env: dict[str, str], stage: Stage | None = None
    ) -> None:
        self.pinning = pinning
        self.traced_env = traced_env
        self.stage = stage or latest_stage()
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-tracing-"))
        self.run = uuid.uuid4().hex[:8]
        # the stores a stage reads are the bench's own, embedded under its folder like the broker
        drop = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_", "PYTEST_", "OTEL_")
        stores = ("CONFIG_STORE", "SECRET_STORE")
        base = {k: v for k, v in os.environ.items() if not k.startswith((*drop, *stores))}
        base.update(
            STRANGLER_VAR_DIR=str(self.tmp / "var"),  # the embedded broker too, if one is used
            TRACES_DIR=str(self.tmp / "traces"),
            LOG_LEVEL="WARNING",
            FRAUD_MAX_ATTEMPTS="1000000000",  # one customer checks out many times a minute
        )
        self.database_url = os.environ.get("DATABASE_URL", "")
        # named after DATABASE_URL's own, so benches of several checkouts on one server differ
        self.database = f"{self.database_url.rsplit('/', 1)[-1] or 'shop'}_bench_{self.run}"
        if self.postgres:
            base["DATABASE_URL"] = self.database_url.rsplit("/", 1)[0] + f"/{self.database}"
        self.base_env = base  # no stage's settings: each set-up step adds its own stage's
        self.env = stage_env(self.stage, base)  # a setting naming a port: see start_called
        self.group = ProcessGroup(log_dir=self.tmp / "logs", env=self.env, cwd=ROOT)
        self.ports: dict[str, int] = {}
        self.sessions: dict[str, int] = {}

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    def _admin(self, sql: str) -> None:
        """One statement on the server's ``postgres`` database (create or drop ours)."""
        import psycopg

        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    def url(self, side: str) -> str:
        return f"http://127.0.0.1:{self.ports[side]}"

    def _manage(self, stage: Stage, *argv: str) -> str:
        result = subprocess.run(
            argv,
            cwd=ROOT,
            env=stage_env(stage, self.base_env),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise ProcessFailed(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def stages_set_up(self) -> tuple[Stage, ...]:
        """The stages whose set-up steps the bench's databases take, in order."""
        return (self.stage,)

    def setup(self) -> str:
        """The databases, set up by each stage's own steps (the secret and config stores, the
        services' databases and their hand-overs); the SKU every checkout buys, with plenty of
        it on the shelf each stage's checkout takes it from."""
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.database}"')
        engine = "PostgreSQL" if self.postgres else f"SQLite under {self.tmp}"
        sku = ""
        for stage in self.stages_set_up():
            say(f"set-up: stage {stage.number}'s steps ({engine})")
            run_setup(stage, self.base_env, self.tmp / "var", lambda step: say(f"  {step}"))
            restocked = self._manage(stage, sys.executable, "-m", "bench.tracing", "--restock")
            sku = restocked.split()[-1]
            if any(service.service == "inventory" for service in called_services(stage)):
                inventory = ("extracted/inventory/manage.py", "set_stock", sku, str(STOCK))
                self._manage(stage, sys.executable, *inventory)
        return sku

    def start_called(self) -> tuple[dict[str, str], list[int]]:
        """Start the services the monolith calls (pinned with the servers); the stage's
        settings with their ports filled in, and the services' sessions (for the CPU)."""
        ports = {spec.port_name: free_port() for spec in called_services(self.stage)}
        self.ports.update(ports)
        settings = dict(stage_env(self.stage, {}, ports))  # payments calls fraud
        sessions = []
        for spec in called_services(self.stage):
            say(f"{spec.name}: {' '.join(spec.argv[1:4])} on :{ports[spec.port_name]}")
            process = self.group.start(
                spec.name,
                self.pinning.argv(PROXY_CPU, argv_of(spec, ports, self.tmp / "var")),
                ready_when_http_ok(f"http://127.0.0.1:{ports[spec.port_name]}/health/ready"),
                env={**settings, "OTEL_SDK_DISABLED": "true"},
            )
            sessions.append(process.pid or 0)
        return settings, sessions

    def login_url(self, monolith_url: str) -> str:
        """Where this stage's customers log in: the service the stage's gateway sends
        ``POST /api/v1/auth/token`` to (the identity service from stage 5), else the monolith."""
        upstream = routed_elsewhere(self.stage, "monolith")("POST", "/api/v1/auth/token")
        there = [spec for spec in called_services(self.stage) if upstream == spec.upstream]
        return self.url(there[0].port_name) if upstream and there else monolith_url

    def start(self) -> None:
        settings, _ = self.start_called()
        for side in SIDES:
            port = self.ports[side] = free_port()
            env = {"OTEL_SDK_DISABLED": "true"} if side == "untraced" else self.traced_env
            env = {**settings, **env}
            argv = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
            argv += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
            say(f"{side} monolith: gunicorn (2 workers x 4 threads) on :{port}, core {PROXY_CPU}")
            process = self.group.start(
                side,
                self.pinning.argv(PROXY_CPU, argv),
                ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
                env=env,
            )
            self.sessions[side] = process.pid or 0
        self.group.wait_ready(deadline_seconds=120)

    def fresh_sides(self) -> None:
        """Both monoliths started again, on the same ports. A process keeps the speed it started
        with for its life (where its memory landed, its hash seed): two of the same code came
        out 0.91x apart on every one of ten rounds here. New ones each round make that one
        more thing the rounds' median evens out."""
        for process in self.group.processes:
            if process.name in SIDES:  # started under the side's name (start)
                self.group.restart(process)
                self.sessions[process.name] = process.pid or 0
        self.group.wait_ready(deadline_seconds=120)

    def spans_written(self) -> int:
        folder = self.tmp / "traces"
        return sum(
            len(path.read_bytes().splitlines()) for path in folder.glob("*.jsonl")
        ) if folder.exists() else 0  # fmt: skip

    def close(self, keep: bool) -> None:
        self.group.stop(grace_seconds=10)
        if self.postgres:
            # the services' own databases, made by the set-up steps (``<ours>_<service>``)
            services = {p.service for s in self.stages_set_up() for p in s.processes if p.service}
            services.discard("monolith")
            for name in (self.database, *(f"{self.database}_{s}" for s in sorted(services))):
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if keep:
            say(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def checkout_bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every checkout bench takes: the load :func:`measure_side` makes, the rounds,
    and whether to keep the temporary folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--clients", type=int, default=8, help="customers checking out at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured load per turn")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load before it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser


def known_stage(text: str) -> int:
    """``--stage``'s argument: a stage of the manifest, else a usage error naming the known
    ones (never a traceback)."""
    try:
        return get_stage(int(text)).number
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a stage number, got {text!r}") from exc
    except KeyError as exc:
        raise argparse.ArgumentTypeError(str(exc.args[0])) from exc


def measure_side(
    url: str, sessions: list[int], tokens: list[str], sku: str, args: argparse.Namespace
) -> tuple[LoadResult, float, int]:
    """One side's turn: a warm-up, then the measured load. The result, the CPU ms per checkout
    pair (all of ``sessions``, the side's process trees) and every checkout made (warm-up
    included)."""
    warm = checkout_load(url, tokens, sku, args.warmup)
    before = sum(session_cpu_seconds(session) for session in sessions)
    result = checkout_load(url, tokens, sku, args.seconds)
    cpu = sum(session_cpu_seconds(session) for session in sessions) - before
    if result.failures:
        raise LoadFailed(f"{url}: {len(result.failures)} failed; first: {result.failures[0]}")
    return result, cpu * 1000 / max(result.done, 1), warm.done + result.done


def rounds_ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of each round's ``ours / theirs``: the two sides of a round ran back to back
    on new processes, so a round's ratio is a fair one and a slow round does not weigh on it."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def run(args: argparse.Namespace) -> int:
    pinning = pin_load_here()
    stage = get_stage(args.stage) if args.stage is not None else latest_stage()
    if missing := missing_paths(stage):
        say(f"stage {stage.number} cannot run on this checkout: {missing[0]} is not here")
        return 2
    shop = Shop(pinning, dict(args.traced_env), stage)
    rates: dict[str, list[float]] = {side: [] for side in SIDES}
    cpus: dict[str, list[float]] = {side: [] for side in SIDES}
    traced_checkouts = 0
    try:
        sku = shop.setup()
        shop.start()
        say(f"{args.clients} customers registered, each with an address")
        url = shop.url("untraced")
        login = shop.login_url(url)  # reads the stage's route table: once
        tokens = [customer(url, login) for _ in range(args.clients)]
        print(
            f"\nbench.tracing: {args.clients} customers checking out {sku} in a loop, "
            f"{args.seconds:g} s per side per round after a {args.warmup:g} s warm-up\n"
        )
        print(f"{'round':>5}  {'traced/s':>9}  {'untraced/s':>10}  {'ratio':>6}  "
              f"{'CPU ms traced':>13}  {'CPU ms untraced':>15}")  # fmt: skip
        for round_ in range(args.rounds):
            if round_:
                shop.fresh_sides()
            order = SIDES if round_ % 2 == 0 else SIDES[::-1]
            got: dict[str, tuple[LoadResult, float, int]] = {}
            for side in order:
                got[side] = measure_side(shop.url(side), [shop.sessions[side]], tokens, sku, args)
                rates[side].append(got[side][0].per_second)
                cpus[side].append(got[side][1])
            traced_checkouts += got["traced"][2]
            (on, on_cpu, _), (off, off_cpu, _) = got["traced"], got["untraced"]
            print(
                f"{round_ + 1:>5}  {on.per_second:>9.1f}  {off.per_second:>10.1f}"
                f"  {on.per_second / off.per_second:>6.2f}  {on_cpu:>13.1f}  {off_cpu:>15.1f}"
            )
        spans = shop.spans_written()
    except (LoadFailed, ProcessFailed) as exc:
        say(f"could not run: {exc}")
        return 1
    finally:
        shop.close(args.keep)
    traced, untraced = (statistics.median(rates[side]) for side in SIDES)
    ratio = rounds_ratio(rates["traced"], rates["untraced"])
    by_cpu = rounds_ratio(cpus["untraced"], cpus["traced"])
    print(f"\nmedian: traced {traced:.1f}/s, untraced {untraced:.1f}/s; of the rounds' ratios: "
          f"{ratio:.2f}x by throughput, {by_cpu:.2f}x by CPU per checkout")  # fmt: skip
    print(f"spans written: {spans} (about {spans / max(traced_checkouts, 1):.0f} per traced "
          "checkout, warm-ups included)")  # fmt: skip
    print(f"goal: traced >= 0.9x untraced: {'met' if ratio >= 0.9 else 'NOT met'} ({ratio:.2f}x)")
    return 0


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = checkout_bench_parser(__doc__)
    parser.add_argument(
        "--traced-env",
        type=_pair,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="for the traced side only, e.g. OTEL_TRACES_SAMPLER=parentbased_traceidratio",
    )
    parser.add_argument(
        "--stage", type=known_stage, help="the stage whose code and settings run (the latest)"
    )
    parser.add_argument("--restock", action="store_true", help=argparse.SUPPRESS)
    # more, shorter rounds than the other checkout benches: each round's ratio is one sample of
    # a noisy difference of a few percent, and its processes are new (Shop.fresh_sides)
    parser.set_defaults(rounds=7, seconds=4.0, warmup=1.0)
    args = parser.parse_args(argv)
    if args.restock:
        _restock()
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

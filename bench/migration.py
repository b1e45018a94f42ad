"""``python -m bench.migration``: what the split costs a checkout, stage 0 against a later stage.

One database, two ways in, the same load (``--clients`` customers, each adding an item and
checking out in a loop):

- ``stage 0``: the monolith alone (gunicorn, 2 workers x 4 threads), stage 0's settings;
- ``stage N`` (``--stage N``, default the latest): that stage's request path: its gateway (its
  route table, rate limits loosened so they never say no) in front of its two monolith
  replicas (1 worker x 4 threads each), the stage's settings (every context writes its outbox),
  and the services the monolith calls on a checkout (from stage 3 the inventory service, one
  gunicorn worker x 4 threads, its stock handed over by its own set-up steps).

Every server process is pinned to core 0, the load to core 1, so pairs per second is per core
and the CPU per pair adds up the gateway, the monoliths and the services they call. The sides
take turns for ``--rounds`` rounds, the first alternating. The asynchronous side of the later
stage (the relays, the consumers) is not on the request path and is measured by
``bench.events``; at stage 3 the inventory service's holds are never committed during the run
(its worker is not started), which the stock handed over leaves room for.
``DATABASE_URL`` pointing at PostgreSQL: a database of its own, dropped at the end; otherwise
SQLite in a temporary folder. A benchmark, not a test: it exits non-zero only when something
could not run. On a stage's tag whose tree lacks stage 0's code (stage 2 on retire some of it)
it says which and measures nothing: the comparison runs on main, which holds every stage.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import yaml

from bench.checkouts import LoadFailed, customer
from bench.cpu import PROXY_CPU, Pinning, pin_load_here
from bench.progress import say
from bench.tracing import (
    ROOT,
    Shop,
    called_services,
    checkout_bench_parser,
    known_stage,
    measure_side,
)
from strangler.stages.manifest import Stage, get_stage, latest_stage, missing_paths
from strangler.stages.processes import (
    ProcessFailed,
    ProcessGroup,
    free_port,
    ready_when_http_ok,
)

UNLIMITED = {"rate": "1000000/s", "burst": 1000000}


def unlimited_table(routes: Path, into: Path) -> Path:
    """The stage's route table with every rate limit raised out of reach (still applied)."""
    table = yaml.safe_load(routes.read_text())
    table["rate_limits"] = {name: dict(UNLIMITED) for name in table.get("rate_limits", {})}
    into.write_text(yaml.safe_dump(table, sort_keys=False))
    return into


class Stages(Shop):
    """Stage 0's monolith, and the latest stage's gateway and replicas, on one database."""

    def __init__(self, pinning: Pinning, stage: Stage) -> None:
        super().__init__(pinning, traced_env={}, stage=stage)
        self.latest = stage
        # each side's processes get their own stage's settings, nothing of the other's
        self.env = dict(self.base_env)
        self.group = ProcessGroup(log_dir=self.tmp / "logs", env=self.env, cwd=ROOT)
        self.sides = ("stage 0", f"stage {self.latest.number}")
        self.sessions_of: dict[str, list[int]] = {side: [] for side in self.sides}

    def stages_set_up(self) -> tuple[Stage, ...]:
        """Stage 0's steps (its monolith's contexts and shelf), then the compared stage's."""
        return (get_stage(0), self.latest)

    def _gunicorn(self, name: str, side: str, workers: int, env: dict[str, str]) -> int:
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4"]
        process = self.group.start(
            name,
            self.pinning.argv(PROXY_CPU, argv),
            ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
            env={"OTEL_SDK_DISABLED": "true", **env},
        )
        self.sessions_of[side].append(process.pid or 0)
        return port

    def start(self) -> None:
        first, latest = self.sides
        say(f"{first}: the monolith (gunicorn, 2 workers x 4 threads), core {PROXY_CPU}")
        self.ports[first] = self._gunicorn(
            "monolith-stage-0", first, 2, dict(get_stage(0).settings_env)
        )
        say(f"{latest}: gateway + 2 monolith replicas (1 worker x 4 threads), core {PROXY_CPU}")
        settings, services = self.start_called()
        self.sessions_of[latest] += services
        replicas = [self._gunicorn(f"monolith-{n}", latest, 1, settings) for n in (1, 2)]
        self._gateway(replicas)
        self.group.wait_ready(deadline_seconds=120)

    def _gateway(self, replicas: list[int]) -> None:
        assert self.latest.routes, "the latest stage has a gateway"
        table = unlimited_table(Path(self.latest.routes), self.tmp / "routes.yaml")
        port = self.ports[self.sides[1]] = free_port()
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(table)]
        argv += ["--port", str(port), "--access-log", str(self.tmp / "gateway-access.log")]
        instances = ",".join(f"127.0.0.1:{p}" for p in replicas)
        argv += ["--upstream", f"monolith={instances}"]
        running = {
            spec.upstream: self.ports[spec.port_name] for spec in called_services(self.latest)
        }
        for upstream in yaml.safe_load(table.read_text())["upstreams"]:
            if upstream != "monolith":  # a service not started here gets a port nobody uses
                at = running.get(upstream) or free_port()  # identity: the keys, the log-in
                argv += ["--upstream", f"{upstream}=127.0.0.1:{at}"]
        process = self.group.start(
            "gateway",
            self.pinning.argv(PROXY_CPU, argv),
            # ready once it routes to the monolith (its own readiness wants every upstream up)
            ready_when_http_ok(f"http://127.0.0.1:{port}/api/v1/products"),
            env={"OTEL_SDK_DISABLED": "true"},
        )
        self.sessions_of[self.sides[1]].append(process.pid or 0)


def cannot_run_here(*stages: Stage) -> str:
    """Why one of ``stages`` cannot run on this checkout ("" when all can): on a later stage's
    tag, stage 0's code is gone once a stage retired some of it."""
    for stage in stages:
        missing = missing_paths(stage)
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            return f"stage {stage.number} cannot run on this checkout ({missing[0]}{more})"
    return ""


def run(args: argparse.Namespace) -> int:
    pinning = pin_load_here()
    stage = get_stage(args.stage) if args.stage is not None else latest_stage()
    if stage.number == 0 or not stage.routes:
        say(f"stage {stage.number} has no gateway: compare stage 0 with a later stage")
        return 2
    if reason := cannot_run_here(get_stage(0), stage):
        say(f"{reason}: the split's price against stage 0 is measured where both run, on main")
        return 0
    shop = Stages(pinning, stage)
    first, latest = shop.sides
    rates: dict[str, list[float]] = {side: [] for side in shop.sides}
    cpus: dict[str, list[float]] = {side: [] for side in shop.sides}
    try:
        sku = shop.setup()
        shop.start()
        # each side's own customers, through its front door (stage 5 on, identity signs in)
        tokens = {
            side: [customer(shop.url(side)) for _ in range(args.clients)] for side in shop.sides
        }
        engine = "PostgreSQL" if shop.postgres else "SQLite"
        print(
            f"\nbench.migration: {args.clients} customers adding {sku} and checking out in a "
            f"loop on {engine}, {args.seconds:g} s per side per round after {args.warmup:g} s"
            f" of warm-up\n"
        )
        print(f"{'round':>5}  {first + ' pairs/s':>16}  {latest + ' pairs/s':>16}  "
              f"{'CPU ms ' + first:>14}  {'CPU ms ' + latest:>14}")  # fmt: skip
        for round_ in range(args.rounds):
            order = shop.sides if round_ % 2 == 0 else shop.sides[::-1]
            got = {
                side: measure_side(shop.url(side), shop.sessions_of[side], tokens[side], sku, args)
                for side in order
            }
            for side in shop.sides:
                rates[side].append(got[side][0].per_second)
                cpus[side].append(got[side][1])
            print(
                f"{round_ + 1:>5}  {rates[first][-1]:>16.1f}  {rates[latest][-1]:>16.1f}"
                f"  {cpus[first][-1]:>14.1f}  {cpus[latest][-1]:>14.1f}"
            )
    except (LoadFailed, ProcessFailed) as exc:
        say(f"could not run: {exc}")
        return 1
    finally:
        shop.close(args.keep)
    rate = {side: statistics.median(rates[side]) for side in shop.sides}
    cpu = {side: statistics.median(cpus[side]) for side in shop.sides}
    print(
        f"\nmedian: {first} {rate[first]:.1f} pairs/s, {cpu[first]:.1f} ms CPU per pair; "
        f"{latest} through the gateway {rate[latest]:.1f} pairs/s, {cpu[latest]:.1f} ms CPU"
    )
    print(
        f"{latest} / {first}: {rate[latest] / rate[first]:.2f}x by throughput, "
        f"{cpu[first] / cpu[latest]:.2f}x by CPU per pair (one core for all server processes; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = checkout_bench_parser(__doc__)
    parser.add_argument(
        "--stage", type=known_stage, help="the stage to compare (default: the latest)"
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

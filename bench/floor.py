"""``python -m bench.floor``: where a checkout pair's CPU goes, against the framework's floor.

The latest stage's monolith (gunicorn, 2 workers x 4 threads, untraced) and the services it
calls on a checkout (from stage 3 the inventory service), every server pinned to core 0, the
load to core 1, as ``bench.tracing`` runs them. In turns, for ``--rounds`` rounds, under the
same ``--clients``:

- ``GET /health/live``: gunicorn and the middleware, no database, no DRF;
- ``GET /api/v1/cart`` with a bearer token: DRF, the token's verification, one small read;
- the checkout pair (add an item, check out): what ``bench.tracing`` and ``bench.migration``
  measure.

Per row: requests (or pairs) per second, CPU ms of the monolith and of the called services per
unit, and their sum (all of core 0). The summary says how many authenticated GETs a pair's
core-0 CPU would pay for: the part of a pair no cut of the checkout's own work can remove is
its two requests to the monolith, their calls to the services and the services' requests.
A benchmark, not a test: it exits non-zero only when something could not run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.checkouts import LoadFailed, checkout_load, customer, expect, run_clients, session
from bench.cpu import PROXY_CPU, pin_load_here, session_cpu_seconds
from bench.progress import say
from bench.tracing import Shop, checkout_bench_parser
from strangler.stages.processes import ProcessFailed, free_port, ready_when_http_ok

LIVE, CART, PAIR = "GET /health/live", "GET /api/v1/cart (bearer)", "cart add + checkout (pair)"
ROWS = (LIVE, CART, PAIR)


def get_load(url: str, token: str | None, clients: int, seconds: float) -> int:
    """``clients`` threads each GETting ``url`` in a loop for ``seconds``; the answers counted
    (anything but a 200 stops the run)."""
    result = run_clients(
        [session(token) for _ in range(clients)],
        lambda http: expect(http.get(url, timeout=30), 200, f"GET {url}"),
        seconds,
    )
    if result.failures:
        raise LoadFailed(result.failures[0])
    return result.done


@dataclass
class Cost:
    per_second: float
    monolith_ms: float
    services_ms: float

    @property
    def core_ms(self) -> float:
        return self.monolith_ms + self.services_ms


class Floor(Shop):
    """One untraced monolith and the services it calls, on core 0."""

    def start(self) -> None:
        settings, self.called_sessions = self.start_called()
        port = self.ports["monolith"] = free_port()
        argv = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
        say(f"monolith: gunicorn (2 workers x 4 threads) on :{port}, core {PROXY_CPU}")
        process = self.group.start(
            "monolith",
            self.pinning.argv(PROXY_CPU, argv),
            ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
            env={**settings, "OTEL_SDK_DISABLED": "true"},
        )
        self.sessions["monolith"] = process.pid or 0
        self.group.wait_ready(deadline_seconds=120)

    def measure(self, load: Callable[[float], int], args: argparse.Namespace) -> Cost:
        """A warm-up, then ``load`` for ``--seconds``; the CPU of each side per unit done."""
        load(args.warmup)
        monolith, services = [self.sessions["monolith"]], self.called_sessions
        before = [sum(session_cpu_seconds(s) for s in side) for side in (monolith, services)]
        started = time.monotonic()
        done = max(load(args.seconds), 1)
        elapsed = time.monotonic() - started
        after = [sum(session_cpu_seconds(s) for s in side) for side in (monolith, services)]
        ms = [(a - b) * 1000 / done for a, b in zip(after, before, strict=True)]
        return Cost(per_second=done / elapsed, monolith_ms=ms[0], services_ms=ms[1])


def run(args: argparse.Namespace) -> int:
    pinning = pin_load_here()
    shop = Floor(pinning, traced_env={})
    costs: dict[str, list[Cost]] = {row: [] for row in ROWS}
    try:
        sku = shop.setup()
        shop.start()
        url = shop.url("monolith")
        login = shop.login_url(url)  # reads the stage's route table: once
        tokens = [customer(url, login) for _ in range(args.clients)]

        def pairs(seconds: float) -> int:
            result = checkout_load(url, tokens, sku, seconds)
            if result.failures:
                raise LoadFailed(f"{len(result.failures)} failed; first: {result.failures[0]}")
            return result.done

        loads: dict[str, Callable[[float], int]] = {
            LIVE: lambda s: get_load(f"{url}/health/live", None, args.clients, s),
            CART: lambda s: get_load(f"{url}/api/v1/cart", tokens[0], args.clients, s),
            PAIR: pairs,
        }
        print(
            f"\nbench.floor: stage {shop.stage.number}'s monolith and the services it calls on "
            f"core {PROXY_CPU}, {args.clients} clients, {args.seconds:g} s per row per round\n"
        )
        for round_ in range(args.rounds):
            for row in ROWS if round_ % 2 == 0 else ROWS[::-1]:
                costs[row].append(shop.measure(loads[row], args))
                got = costs[row][-1]
                say(f"round {round_ + 1}: {row}: {got.per_second:.1f}/s, {got.core_ms:.2f} ms")
    except (LoadFailed, ProcessFailed) as exc:
        say(f"could not run: {exc}")
        return 1
    finally:
        shop.close(args.keep)
    print(_table(costs))
    return 0


def _median(costs: list[Cost], field: str) -> float:
    return statistics.median(getattr(cost, field) for cost in costs)


def _table(costs: dict[str, list[Cost]]) -> str:
    lines = [
        f"{'median of the rounds':<28}  {'per s':>7}  {'monolith ms':>11}  "
        f"{'services ms':>11}  {'core 0 ms':>9}"
    ]
    for row, got in costs.items():
        lines.append(
            f"{row:<28}  {_median(got, 'per_second'):>7.1f}  {_median(got, 'monolith_ms'):>11.2f}"
            f"  {_median(got, 'services_ms'):>11.2f}  {_median(got, 'core_ms'):>9.2f}"
        )
    pair, cart = _median(costs[PAIR], "core_ms"), _median(costs[CART], "core_ms")
    live, services = _median(costs[LIVE], "core_ms"), _median(costs[PAIR], "services_ms")
    lines.append(
        f"\na pair's core-0 CPU pays for {pair / cart:.1f} authenticated GETs or "
        f"{pair / live:.0f} liveness answers; of it, the services {services:.2f} ms "
        f"and the monolith's two requests at the authenticated GET's price {2 * cart:.2f} ms "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return run(checkout_bench_parser(__doc__).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

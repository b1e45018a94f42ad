"""``make bench``: our gateway against nginx and against the upstream itself, in one run.

The same load (``wrk -t1 -c32 -d8s --latency`` after a 2 s warm-up) on three routes:

- trivial: the upstream is nginx answering a fixed 105-byte JSON (as in docs/design.md), so what
  is measured is the proxy;
- features: the same upstream behind ``auth: optional`` (no token sent) and a rate limit wrk
  cannot exhaust, so what is measured is the proxy with its features on (nginx's
  ``auth_request`` asks our gateway's ``/_gateway/verify``, whose CPU its row includes);
- real: ``GET /api/v1/products`` on the monolith under gunicorn (SQLite, seeded by
  ``seed_demo``), so the proxy's cost is seen next to a real Django request.

With ``--shadow``, a fourth route, ``shadowed``: the trivial route with ``shadow`` on (a copy
of each GET to the same upstream, its answer compared with the primary's), and a line giving
its req/s and CPU per request over the trivial route's, through our gateway.

Then, with ``--paced-rate`` (default 2,000 req/s; 0 leaves it out), the trivial route once
more on each target at a fixed rate well below every target's saturation (``paced``: wrk with
a random pause of 0 to 2m ms before each request on each of its connections, m set for the
rate), because at saturation a proxy's median latency is about connections / throughput: a
figure of CPU per request, not of the latency a request gains through the proxy. Both are
printed, with issue 17's goal read against each.

``--python-cost`` measures only the gateway's own Python work per proxied request of the
trivial route, in this process and without sockets (:func:`python_cost`): a fake client
connection sends wrk's request, a fake upstream connection answers with nginx's reply, the
access log and the spans are written as in a stage. The best of many rounds of 2,000 requests
is steady on a busy machine where CPU per request through sockets moves by 10% from round to
round, so it is what tells a cut of a microsecond from noise.

Each is hit (a) directly, (b) through ``python -m gateway serve``, (c) through nginx running
the configuration exported from the same route table (both write their JSON access log on
every route). Each proxy is pinned with ``taskset`` to core 0, wrk and the upstreams to core
1. A benchmark, not a test: it prints the figures and their ratios and exits non-zero only
when something could not run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.cpu import LOAD_CPU, Pinning
from bench.measure import MIN_REQUESTS, Row, check_answer, measure, median_row
from bench.progress import say
from bench.report import render
from bench.targets import FEATURES_PATH, REAL_PATH, STATIC_BODY, TRIVIAL_PATH, Bench, bench_table
from bench.wrk import WrkResult, parse_wrk
from strangler.stages.processes import ProcessFailed, free_port

TARGETS = ("direct", "gateway", "nginx")
SHADOWED_PATH = "/shadowed/item"


def _is_static(body: bytes) -> bool:
    return body.decode(errors="replace") == STATIC_BODY


def _is_products(body: bytes) -> bool:
    return (body.startswith(b"{") and b"results" in body) or body.startswith(b"[")


def measured(route: str, target: str) -> tuple[str, ...]:
    """The processes whose CPU a row adds up: the target itself, plus, for nginx on the
    features route, our gateway answering its ``auth_request`` subrequests."""
    if target == "direct":
        return ("monolith",) if route == "real" else ("static",)
    if target == "gateway":
        return ("gateway",)
    return ("proxy-nginx", "gateway") if route == "features" else ("proxy-nginx",)


def shadow_cost(rows: Sequence[Row]) -> str:
    """Our gateway's shadowed route over its trivial route: req/s and CPU per request."""
    got = {row.route: row.result for row in rows if row.target == "gateway"}
    on, off = got.get("shadowed"), got.get("trivial")
    if on is None or off is None or not off.requests_per_second:
        return "\nshadow on / off: not measured"
    line = f"\nshadow on / off (gateway, same upstream): req/s {on.requests_per_second:,.0f} / "
    line += (
        f"{off.requests_per_second:,.0f} = {on.requests_per_second / off.requests_per_second:.2f}"
    )
    if on.cpu_us_per_request is not None and off.cpu_us_per_request is not None:
        line += f"; CPU/req {on.cpu_us_per_request:.1f} / {off.cpu_us_per_request:.1f} us"
    return line


# wrk calls delay() before each request on a connection: a uniform pause of 0 to 2m ms (whole
# milliseconds, wrk's timer unit), so the connections drift out of step instead of arriving
# together, as clients at a steady rate would.
PACED_SCRIPT = """local mean_ms = 1
function init(args) if args[1] then mean_ms = tonumber(args[1]) end end
function delay() return math.random(0, 2 * mean_ms) end
"""


def paced_pause_ms(rate: float, connections: int) -> int:
    """The mean pause per request (ms) that gives about ``rate`` req/s over ``connections``,
    latency aside (it only lowers the rate a little below the target)."""
    return max(1, round(connections * 1000 / rate))


def run_paced(bench: Bench, url: str, script: Path) -> WrkResult:
    args = bench.args
    pause = paced_pause_ms(args.paced_rate, args.paced_connections)
    argv = ["wrk", "-t1", f"-c{args.paced_connections}", f"-d{args.duration:g}s"]
    argv += ["--timeout", "10s", "--latency", "-s", str(script), url, "--", str(pause)]
    done = subprocess.run(
        bench.pinning.argv(LOAD_CPU, argv),
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
    )
    if done.returncode != 0:
        raise ProcessFailed(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def measure_paced(bench: Bench, target: str, url: str, script: Path) -> Row:
    row = Row("paced", target)
    try:
        check_answer(url, _is_static)
        say(
            f"paced / {target}: wrk -t1 -c{bench.args.paced_connections} "
            f"-d{bench.args.duration:g}s at about {bench.args.paced_rate:,.0f} req/s"
        )
        row.result = result = run_paced(bench, url, script)
        bad = result.non_2xx + result.socket_errors
        if bad > result.requests * 0.01:
            row.error = f"{bad} of {result.requests} requests failed"
        elif result.requests < MIN_REQUESTS:
            row.error = f"only {result.requests} requests completed: the target stalled"
        say(
            f"paced / {target}: {result.requests_per_second:,.0f} req/s, "
            f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
        )
    except (ProcessFailed, ValueError, subprocess.TimeoutExpired) as exc:
        row.error = str(exc).splitlines()[0]
        say(f"paced / {target}: FAILED: {exc}")
    return row


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def goal_report(rows: Sequence[Row]) -> str:
    """Issue 17's goal read against this run: gateway/nginx >= 0.6 by req/s, added p50 <= 1 ms
    over direct, gateway p99 <= 2x nginx's; the added p50 both at saturation (the trivial
    route's wrk -c32) and at the paced rate."""
    got = {(row.route, row.target): row.result for row in rows}
    lines = ["", "Goal (issue 17), in this run:"]
    direct, gateway, nginx = (got.get(("trivial", t)) for t in TARGETS)
    if gateway is None or nginx is None or direct is None or not nginx.requests_per_second:
        lines.append("  trivial route: not measured")
    else:
        ratio = gateway.requests_per_second / nginx.requests_per_second
        lines.append(f"  gateway/nginx by req/s >= 0.6: {ratio:.2f}, {_verdict(ratio >= 0.6)}")
        added = gateway.p50_ms - direct.p50_ms
        lines.append(
            f"  added p50 <= 1 ms, at saturation (trivial): {added:+.2f} ms, "
            f"{_verdict(added <= 1.0)} (nginx {nginx.p50_ms - direct.p50_ms:+.2f} ms)"
        )
        p99 = gateway.p99_ms / nginx.p99_ms if nginx.p99_ms else float("inf")
        lines.append(f"  gateway p99 <= 2x nginx's (trivial): {p99:.2f}x, {_verdict(p99 <= 2.0)}")
    direct, gateway, nginx = (got.get(("paced", t)) for t in TARGETS)
    if gateway is None or direct is None:
        lines.append("  added p50 at a fixed rate: not measured")
    else:
        added = gateway.p50_ms - direct.p50_ms
        rate = gateway.requests_per_second
        line = f"  added p50 <= 1 ms, at {rate:,.0f} req/s (paced): {added:+.2f} ms, "
        line += _verdict(added <= 1.0)
        if nginx is not None:
            line += f" (nginx {nginx.p50_ms - direct.p50_ms:+.2f} ms)"
        lines.append(line)
        if nginx is not None and nginx.p99_ms:
            p99 = gateway.p99_ms / nginx.p99_ms
            lines.append(f"  gateway p99 <= 2x nginx's (paced): {p99:.2f}x, {_verdict(p99 <= 2.0)}")
    lines.append(
        "At saturation a proxy's p50 is about connections / its req/s, so the saturated figure"
    )
    lines.append("follows CPU per request; the paced one is the latency a request gains.")
    return "\n".join(lines)


class _NullTransport:
    """Enough of an asyncio transport for a connection that nothing reads: counts the writes."""

    def __init__(self) -> None:
        self.writes = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes += 1

    def writelines(self, data: Sequence[bytes]) -> None:
        self.writes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True


def python_cost(rounds: int = 30, requests: int = 2000) -> float:
    """Microseconds of the gateway's Python work per proxied request of the trivial route
    (parsing, routing, the fast path, relaying, every sink), the best of ``rounds``."""
    import uvloop

    from gateway.app import Gateway, Settings
    from gateway.server import ClientConnection
    from gateway.sinks.spans import JsonLinesSpans
    from gateway.upstreams.connection import UpstreamConnection

    tmp = Path(tempfile.mkdtemp(prefix="bench-python-cost-"))
    data = bench_table()
    for upstream_spec in data["upstreams"].values():
        upstream_spec.pop("health")  # no checks: nothing runs the loop they would run on
    table = tmp / "routes.yaml"
    table.write_text(yaml.safe_dump(data, sort_keys=False))
    loop = uvloop.new_event_loop()
    settings = Settings(
        routes=table,
        ports={"static": 9, "monolith": 10},  # never connected to: the upstream is faked
        access_log=str(tmp / "access.log"),
        spans=JsonLinesSpans(tmp / "gateway.jsonl"),
    )
    gateway = Gateway(settings, loop)
    gateway.load()
    body = STATIC_BODY.encode()
    reply = (
        b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 02 Dec 2026 10:00:00 GMT\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n"
        b"\r\n%s" % (len(body), body)
    )
    request = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: wrk\r\n\r\n" % (
        TRIVIAL_PATH.encode()
    )
    instance = gateway.registry.groups["static"].instances[0]
    upstream = UpstreamConnection(instance, loop)
    upstream.connection_made(_NullTransport())  # type: ignore[arg-type]
    instance.release(upstream, True)  # idle in the pool: every request takes the fast path
    client_transport = _NullTransport()
    client = ClientConnection(gateway.listener)
    client.connection_made(client_transport)  # type: ignore[arg-type]

    def answer(count: int) -> None:
        for _ in range(count):
            client.data_received(request)
            upstream.data_received(reply)

    try:
        answer(requests)  # warm: the router's cache, the sinks' shapes
        if client_transport.writes < requests or client_transport.closed or upstream.closed:
            raise ProcessFailed("the in-process gateway did not answer every request")
        best = min(timeit.repeat(lambda: answer(requests), number=1, repeat=rounds))
    finally:
        gateway.close()
        loop.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return best / requests * 1e6


def run(args: argparse.Namespace) -> int:
    if args.python_cost:
        cost = python_cost()
        print(f"gateway Python work per proxied request (trivial route, no sockets): {cost:.2f} us")
        return 0
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            say(f"{tool} is not installed (Debian: apt-get install wrk nginx-light)")
            return 2
    pinning = Pinning.detect()
    if not pinning.enabled:
        say(f"running without CPU pinning: {pinning.reason}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    tmp.chmod(0o755)  # nginx workers drop to nobody when this runs as root
    bench = Bench(args=args, tmp=tmp, pinning=pinning)
    rows: list[Row] = []
    failures: list[str] = []
    routes = [r.strip() for r in args.routes.split(",") if r.strip()]
    started = time.monotonic()
    try:
        bench.start_static()
        if "real" in routes:
            bench.start_monolith()
        else:
            bench.ports["monolith"] = free_port()
        table_path = tmp / "routes.yaml"
        table = bench_table()
        if args.shadow:
            table["routes"].append(
                {"name": "shadowed", "prefix": "/shadowed", "upstream": "static",
                 "shadow": {"upstream": "static", "ignore": ["updated_at"]}}
            )  # fmt: skip
        table_path.write_text(yaml.safe_dump(table, sort_keys=False))
        proxies: dict[str, str] = {}
        for target, starter in (
            ("gateway", lambda: bench.start_gateway(table_path)),
            ("nginx", lambda: bench.start_proxy_nginx(table)),
        ):
            try:
                starter()
                proxies[target] = f"http://127.0.0.1:{bench.ports[target]}"
            except ProcessFailed as exc:
                failures.append(f"{target}: {exc}")
                say(f"{target} could not start: {exc}")
        plan: list[tuple[str, str, Callable[[bytes], bool]]] = []
        if "trivial" in routes:
            plan.append(("trivial", TRIVIAL_PATH, _is_static))
            plan.append(("features", FEATURES_PATH, _is_static))
            if args.shadow:
                plan.append(("shadowed", SHADOWED_PATH, _is_static))
        if "real" in routes:
            plan.append(("real", REAL_PATH, _is_products))
        for route, path, expect in plan:
            upstream = "monolith" if route == "real" else "static"
            bases = {"direct": f"http://127.0.0.1:{bench.ports[upstream]}", **proxies}
            rounds: dict[str, list[Row]] = {target: [] for target in TARGETS}
            for round_number in range(args.repeat):
                for target in TARGETS:
                    if target not in bases:
                        rounds[target].append(Row(route, target, error="not started"))
                        continue
                    url = bases[target] + path
                    sessions = [
                        bench.sessions[n] for n in measured(route, target) if n in bench.sessions
                    ]
                    warm = round_number == 0
                    rounds[target].append(
                        measure(bench, route, target, url, expect, warm=warm, sessions=sessions)
                    )
                for group in bench.groups:
                    group.check_alive()
            rows += [median_row(rounds[target]) for target in TARGETS]
        if "trivial" in routes and args.paced_rate > 0:
            script = tmp / "paced.lua"
            script.write_text(PACED_SCRIPT)
            bases = {"direct": f"http://127.0.0.1:{bench.ports['static']}", **proxies}
            for target in TARGETS:
                if target not in bases:
                    rows.append(Row("paced", target, error="not started"))
                    continue
                rows.append(measure_paced(bench, target, bases[target] + TRIVIAL_PATH, script))
    except ProcessFailed as exc:
        failures.append(str(exc))
        say(f"FAILED: {exc}")
    finally:
        bench.stop()
    say(f"done in {time.monotonic() - started:.0f}s; logs in {tmp / 'logs'}")
    print()
    print(render(rows, args, pinning))
    if args.shadow:
        print(shadow_cost(rows))
    print(goal_report(rows))
    failures += [f"{r.route} / {r.target}: {r.error}" for r in rows if r.error]
    if failures:
        print("\nSome measurements could not run:", *failures, sep="\n  - ")
        return 1
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway", description=__doc__)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up before each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--routes", default="trivial,real", help="trivial (with features), real; default both"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds, interleaved; the median round is shown"
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=2000.0,
        help="req/s of the paced measurement of the trivial route (0: none)",
    )
    parser.add_argument("--paced-connections", type=int, default=8)
    parser.add_argument(
        "--python-cost",
        action="store_true",
        help="only the gateway's Python work per request, in process, without sockets",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its logs")
    parser.add_argument(
        "--shadow", action="store_true", help="also the trivial route with shadow comparison on"
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

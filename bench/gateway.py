"""``make bench``: our gateway against nginx and against the upstream itself, in one run.

The same load (``wrk -t1 -c32 -d8s --latency`` after a 2 s warm-up) on two routes:

- trivial: the upstream is nginx answering a fixed 105-byte JSON (DESIGN section 8), so what
  is measured is the proxy;
- real: ``GET /api/v1/products`` on the monolith under gunicorn (SQLite, seeded by
  ``seed_demo``), so the proxy's cost is seen next to a real Django request.

Each is hit (a) directly, (b) through ``python -m gateway serve``, (c) through nginx running
the configuration exported from the same route table. Each proxy is pinned with ``taskset``
to core 0, wrk and the upstreams to core 1. A benchmark, not a test: it prints the figures
and their ratios and exits non-zero only when something could not run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from strangler.routing.nginx import ExportOptions, export_nginx
from strangler.routing.table import parse_route_table
from strangler.stages.processes import ProcessFailed, ProcessGroup, free_port, ready_when_http_ok

ROOT = Path(__file__).resolve().parents[1]
STATIC_BODY = (
    '{"id": 1, "sku": "BENCH-0001", "name": "Benchmark desk lamp", "price": "19.99", '
    '"stock": 42, "active": true}'
)
PROXY_CPU, LOAD_CPU = "0", "1"
TRIVIAL_PATH = "/trivial/item"
REAL_PATH = "/api/v1/products"
TARGETS = ("direct", "gateway", "nginx")
MIN_REQUESTS = 50


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- wrk --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    cpu_us_per_request: float | None = None  # of the process measured (proxy, or upstream)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    found = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not found:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Read wrk's ``--latency`` report; ValueError naming what is missing."""
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"([0-9]+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", output)
    errors = re.search(
        r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)", output
    )
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=_duration_ms(p50.group(1)),
        p99_ms=_duration_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def session_cpu_seconds(session: int) -> float:
    """User + system CPU of every live process of a session (a ProcessGroup's process tree).

    On a shared machine this is steadier than req/s: other work steals wall time, not the
    CPU time a request costs.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # fields[0] is field 3 of proc(5)
        if int(fields[3]) == session:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Pinning:
    enabled: bool
    reason: str = ""

    @classmethod
    def detect(cls) -> Pinning:
        if shutil.which("taskset") is None:
            return cls(False, "taskset not found")
        if not {0, 1} <= os.sched_getaffinity(0):
            return cls(False, "cores 0 and 1 are not both available")
        return cls(True)

    def argv(self, cpu: str, argv: Sequence[str]) -> list[str]:
        return ["taskset", "-c", cpu, *argv] if self.enabled else list(argv)


def run_wrk(url: str, *, seconds: float, args: argparse.Namespace, pinning: Pinning) -> WrkResult:
    argv = pinning.argv(
        LOAD_CPU,
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
    )
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise ProcessFailed(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


# --- the processes under test ------------------------------------------------------------------


def _base_env() -> dict[str, str]:
    drop = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PYTEST_", "GATEWAY_", "DJANGO_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def static_nginx_conf(port: int) -> str:
    body = STATIC_BODY.replace("'", "\\'")
    return f"""daemon off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    access_log off;
    keepalive_requests 1000000;
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 '{body}'; }}
    }}
}}
"""


def bench_table() -> dict[str, Any]:
    health = {"path": "/health/ready", "interval": 2.0, "timeout": 1.0, "fall": 2, "rise": 2}
    return {
        "version": 1,
        "upstreams": {
            "static": {"instances": ["127.0.0.1:{static}"], "health": health},
            "monolith": {"instances": ["127.0.0.1:{monolith}"], "health": health},
        },
        # The limiter runs on the real route (as in stage 1) but never says no under load.
        "rate_limits": {"bench": {"rate": "1000000/s", "burst": 1000000}},
        # auth: none on both routes: with auth, nginx would add an auth_request round trip
        # to the Python gateway per request, measuring the two together.
        "defaults": {"auth": "none", "rate_limit": None, "timeout": 30.0, "retries": 0},
        "routes": [
            {"name": "trivial", "prefix": "/trivial", "upstream": "static"},
            {
                "name": "products",
                "prefix": "/api/v1/products",
                "rate_limit": "bench",
                "upstream": "monolith",
            },
        ],
    }


@dataclass
class Bench:
    args: argparse.Namespace
    tmp: Path
    pinning: Pinning
    groups: list[ProcessGroup] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)  # name -> session id (leader pid)

    def group(self, name: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> ProcessGroup:
        group = ProcessGroup(log_dir=self.tmp / "logs", env=env or _base_env(), cwd=cwd)
        self.groups.append(group)
        return group

    def start(
        self, name: str, argv: Sequence[str], ready_url: str, *, cpu: str, deadline: float = 60
    ) -> None:
        group = self.group(name)
        process = group.start(name, self.pinning.argv(cpu, argv), ready_when_http_ok(ready_url))
        self.sessions[name] = process.pid or 0
        group.wait_ready(deadline_seconds=deadline)

    def nginx(self, name: str, conf: str, port: int, ready_path: str, cpu: str) -> None:
        prefix = self.tmp / name
        prefix.mkdir(mode=0o755)
        (prefix / "nginx.conf").write_text(conf)
        argv = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix)]
        argv += ["-c", str(prefix / "nginx.conf"), "-e", "stderr"]
        self.start(name, argv, f"http://127.0.0.1:{port}{ready_path}", cpu=cpu, deadline=20)

    def start_static(self) -> None:
        port = self.ports["static"] = free_port()
        say(f"static upstream: nginx answering a {len(STATIC_BODY)}-byte JSON on :{port}")
        self.nginx("static", static_nginx_conf(port), port, "/", LOAD_CPU)

    def start_monolith(self) -> None:
        env = {**_base_env(), "STRANGLER_VAR_DIR": str(self.tmp / "var")}
        env["DJANGO_SETTINGS_MODULE"] = "monolith.shop.settings"
        for step in (["migrate", "--noinput"], ["seed_demo"]):
            say(f"monolith set-up: manage.py {' '.join(step)} (SQLite under {self.tmp / 'var'})")
            result = subprocess.run(
                [sys.executable, "manage.py", *step],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                raise ProcessFailed(f"manage.py {step[0]} failed:\n{result.stdout}{result.stderr}")
        port = self.ports["monolith"] = free_port()
        say(f"monolith: gunicorn (2 workers x 4 threads) on :{port}")
        argv = [sys.executable, "-m", "gunicorn", "monolith.shop.wsgi:application"]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
        group = self.group("monolith", env)
        process = group.start(
            "monolith",
            self.pinning.argv(LOAD_CPU, argv),
            ready_when_http_ok(f"http://127.0.0.1:{port}/health/ready"),
        )
        self.sessions["monolith"] = process.pid or 0
        group.wait_ready(deadline_seconds=90)

    def start_gateway(self, table_path: Path) -> None:
        if not (ROOT / "gateway" / "__main__.py").exists():
            raise ProcessFailed("the Python gateway is not there yet (gateway/__main__.py)")
        port = self.ports["gateway"] = free_port()
        say(f"our gateway: python -m gateway serve on :{port}, pinned to core {PROXY_CPU}")
        argv = [sys.executable, "-m", "gateway", "serve", "--routes", str(table_path)]
        argv += ["--host", "127.0.0.1", "--port", str(port)]
        argv += ["--access-log", str(self.tmp / "gateway-access.log")]
        for name in ("static", "monolith"):
            argv += ["--upstream-port", f"{name}={self.ports[name]}"]
        self.start("gateway", argv, f"http://127.0.0.1:{port}/health/live", cpu=PROXY_CPU)

    def start_proxy_nginx(self) -> None:
        port = self.ports["nginx"] = free_port()
        say(f"nginx: the exported configuration on :{port}, pinned to core {PROXY_CPU}")
        table = parse_route_table(bench_table(), self.ports, source="bench table")
        options = ExportOptions(listen=f"127.0.0.1:{port}", workers="1", access_log="access.log")
        self.nginx("proxy-nginx", export_nginx(table, options), port, "/health/live", PROXY_CPU)

    def stop(self) -> None:
        for group in reversed(self.groups):
            group.stop()


# --- one measurement ---------------------------------------------------------------------------


@dataclass
class Row:
    route: str
    target: str
    result: WrkResult | None = None
    error: str = ""


def check_answer(url: str, expect: Callable[[bytes], bool]) -> None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raise ProcessFailed(f"{url} answered {exc.code}: {exc.read()[:200]!r}") from exc
    except OSError as exc:
        raise ProcessFailed(f"{url} did not answer: {exc}") from exc
    if status != 200 or not expect(body):
        raise ProcessFailed(f"{url} answered {status} with an unexpected body: {body[:200]!r}")


def measure(
    bench: Bench,
    route: str,
    target: str,
    url: str,
    expect: Callable[[bytes], bool],
    *,
    warm: bool = True,
    session: int = 0,
) -> Row:
    row = Row(route, target)
    args = bench.args
    try:
        check_answer(url, expect)
        if warm:
            say(f"{route} / {target}: warm-up {args.warmup:g}s")
            run_wrk(url, seconds=args.warmup, args=args, pinning=bench.pinning)
        say(f"{route} / {target}: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s")
        cpu_before = session_cpu_seconds(session) if session else 0.0
        result = run_wrk(url, seconds=args.duration, args=args, pinning=bench.pinning)
        if session and result.requests:
            spent = session_cpu_seconds(session) - cpu_before
            result = replace(result, cpu_us_per_request=spent / result.requests * 1e6)
        row.result = result
        bad = row.result.non_2xx + row.result.socket_errors
        if bad > row.result.requests * 0.01:
            row.error = f"{bad} of {row.result.requests} requests failed"
        elif row.result.requests < MIN_REQUESTS:  # wrk does not count requests still in flight
            row.error = f"only {row.result.requests} requests completed: the target stalled"
        say(
            f"{route} / {target}: {row.result.requests_per_second:,.0f} req/s, "
            f"p50 {row.result.p50_ms:.2f} ms, p99 {row.result.p99_ms:.2f} ms"
        )
    except (ProcessFailed, ValueError, subprocess.TimeoutExpired) as exc:
        row.error = str(exc).splitlines()[0]
        say(f"{route} / {target}: FAILED: {exc}")
    return row


def median_row(rounds: Sequence[Row]) -> Row:
    """The round with the median req/s (repeats interleave targets, spreading the noise)."""
    failed = [row for row in rounds if row.error]
    if failed:
        return failed[0]
    ordered = sorted(rounds, key=lambda row: row.result.requests_per_second if row.result else 0)
    return ordered[len(ordered) // 2]


# --- the report --------------------------------------------------------------------------------


def _ratio(numerator: WrkResult | None, denominator: WrkResult | None) -> str:
    if numerator is None or denominator is None or not denominator.requests_per_second:
        return "-"
    return f"{numerator.requests_per_second / denominator.requests_per_second:.2f}"


def _added(proxy: WrkResult | None, direct: WrkResult | None) -> str:
    if proxy is None or direct is None:
        return "-"
    return f"{proxy.p50_ms - direct.p50_ms:+.2f} ms"


def _cpu_share(gateway: WrkResult | None, nginx: WrkResult | None) -> str:
    if gateway is None or nginx is None:
        return "-"
    if not gateway.cpu_us_per_request or nginx.cpu_us_per_request is None:
        return "-"
    return f"{nginx.cpu_us_per_request / gateway.cpu_us_per_request:.2f}"


def render(rows: Sequence[Row], args: argparse.Namespace, pinning: Pinning) -> str:
    lines = []
    pinned = (
        f"proxies on core {PROXY_CPU}, wrk and upstreams on core {LOAD_CPU}"
        if pinning.enabled
        else f"NOT pinned ({pinning.reason})"
    )
    rounds = f"; median of {args.repeat} interleaved rounds" if args.repeat > 1 else ""
    lines.append(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency "
        f"after a {args.warmup:g}s warm-up; {pinned}{rounds}"
    )
    lines.append(f"trivial: GET {TRIVIAL_PATH} -> nginx answering a static JSON")
    lines.append(
        f"real: GET {REAL_PATH} -> the monolith (gunicorn, SQLite, seeded), through the "
        "rate limiter; both auth: none"
    )
    lines.append("")
    header = (
        f"{'route':<9}{'target':<9}{'req/s':>11}{'p50':>11}{'p99':>11}{'errors':>9}{'CPU/req':>11}"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        if row.result is None:
            lines.append(f"{row.route:<9}{row.target:<9}  did not run: {row.error}")
            continue
        r = row.result
        errors = r.non_2xx + r.socket_errors
        cpu = f"{r.cpu_us_per_request:>8.1f} us" if r.cpu_us_per_request is not None else "-"
        lines.append(
            f"{row.route:<9}{row.target:<9}{r.requests_per_second:>11,.0f}"
            f"{r.p50_ms:>8.2f} ms{r.p99_ms:>8.2f} ms{errors:>9}{cpu:>11}"
        )
    lines.append("")
    header = (
        f"{'route':<9}{'gateway/nginx':>15}{'gateway/direct':>16}{'nginx/direct':>14}"
        f"{'added p50 gateway':>19}{'added p50 nginx':>17}{'gateway/nginx by CPU':>22}"
    )
    lines += [header, "-" * len(header)]
    for route in dict.fromkeys(row.route for row in rows):
        got = {row.target: row.result for row in rows if row.route == route}
        lines.append(
            f"{route:<9}{_ratio(got.get('gateway'), got.get('nginx')):>15}"
            f"{_ratio(got.get('gateway'), got.get('direct')):>16}"
            f"{_ratio(got.get('nginx'), got.get('direct')):>14}"
            f"{_added(got.get('gateway'), got.get('direct')):>19}"
            f"{_added(got.get('nginx'), got.get('direct')):>17}"
            f"{_cpu_share(got.get('gateway'), got.get('nginx')):>22}"
        )
    lines.append("")
    lines.append("CPU/req: CPU time the measured process spent per request (the proxy; the")
    lines.append("upstream for direct). gateway/nginx by CPU: nginx's CPU/req over ours, i.e. the")
    lines.append("throughput share with a core each; steadier than req/s on a busy machine.")
    lines.append("Goal (issue 3): gateway/nginx >= 0.5 and added p50 <= 1 ms.")
    lines.append(
        "Absolute figures move with whatever else runs on the machine (load average "
        f"{os.getloadavg()[0]:.1f} at the end);"
    )
    lines.append("compare the ratios of one run.")
    return "\n".join(lines)


def _is_static(body: bytes) -> bool:
    return body.decode(errors="replace") == STATIC_BODY


def _is_products(body: bytes) -> bool:
    return (body.startswith(b"{") and b"results" in body) or body.startswith(b"[")


def run(args: argparse.Namespace) -> int:
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
        table_path.write_text(yaml.safe_dump(bench_table(), sort_keys=False))
        proxies: dict[str, str] = {}
        for target, starter in (
            ("gateway", lambda: bench.start_gateway(table_path)),
            ("nginx", bench.start_proxy_nginx),
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
        if "real" in routes:
            plan.append(("real", REAL_PATH, _is_products))
        for route, path, expect in plan:
            upstream = "static" if route == "trivial" else "monolith"
            bases = {"direct": f"http://127.0.0.1:{bench.ports[upstream]}", **proxies}
            rounds: dict[str, list[Row]] = {target: [] for target in TARGETS}
            for round_number in range(args.repeat):
                for target in TARGETS:
                    if target not in bases:
                        rounds[target].append(Row(route, target, error="not started"))
                        continue
                    url = bases[target] + path
                    measured = {"direct": upstream, "gateway": "gateway", "nginx": "proxy-nginx"}
                    session = bench.sessions.get(measured[target], 0)
                    warm = round_number == 0
                    rounds[target].append(
                        measure(bench, route, target, url, expect, warm=warm, session=session)
                    )
                for group in bench.groups:
                    group.check_alive()
            rows += [median_row(rounds[target]) for target in TARGETS]
    except ProcessFailed as exc:
        failures.append(str(exc))
        say(f"FAILED: {exc}")
    finally:
        bench.stop()
    say(f"done in {time.monotonic() - started:.0f}s; logs in {tmp / 'logs'}")
    print()
    print(render(rows, args, pinning))
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
    parser.add_argument("--routes", default="trivial,real", help="trivial,real (default both)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds, interleaved; the median round is shown"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its logs")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""The table ``make bench`` prints: the figures per route and target, then their ratios.

:func:`render` writes what was run (wrk's options, the pinning, the rounds), one row per
route and target (req/s, p50, p99, errors, CPU per request), one row of ratios per route
(gateway/nginx, each proxy over direct, the added p50, the CPU share) and how to read them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from bench.cpu import LOAD_CPU, PROXY_CPU, Pinning
from bench.measure import Row
from bench.targets import FEATURES_PATH, REAL_PATH, TRIVIAL_PATH
from bench.wrk import WrkResult


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


def feature_costs(rows: Sequence[Row]) -> list[tuple[str, float | None, float]]:
    """Per proxy, what the features add over the bare trivial route: CPU/req (us) and p50 (ms).

    Only proxies with both rows; the CPU is None when either row has no CPU figure.
    """
    got = {(row.route, row.target): row.result for row in rows}
    costs = []
    for target in ("gateway", "nginx"):
        bare, features = got.get(("trivial", target)), got.get(("features", target))
        if bare is None or features is None:
            continue
        cpu = (
            features.cpu_us_per_request - bare.cpu_us_per_request
            if features.cpu_us_per_request is not None and bare.cpu_us_per_request is not None
            else None
        )
        costs.append((target, cpu, features.p50_ms - bare.p50_ms))
    return costs


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
        f"features: GET {FEATURES_PATH} -> the same, through auth: optional (no token sent) and "
        "a rate limit; nginx's auth_request goes to our gateway, whose CPU its row includes"
    )
    lines.append(
        f"real: GET {REAL_PATH} -> the monolith (gunicorn, SQLite, seeded), through the "
        "rate limiter; auth: none"
    )
    lines.append(
        "Both proxies write their JSON access log on every route; ours also records a span per"
        " request (tracing on, as in a stage)."
    )
    lines.append("")
    header = f"{'route':<10}{'target':<10}{'req/s':>11}{'p50':>11}{'p99':>11}"
    header += f"{'errors':>9}{'CPU/req':>11}"
    lines += [header, "-" * len(header)]
    for row in rows:
        if row.result is None:
            lines.append(f"{row.route:<10}{row.target:<10}  did not run: {row.error}")
            continue
        r = row.result
        errors = r.non_2xx + r.socket_errors
        cpu = f"{r.cpu_us_per_request:>8.1f} us" if r.cpu_us_per_request is not None else "-"
        lines.append(
            f"{row.route:<10}{row.target:<10}{r.requests_per_second:>11,.0f}"
            f"{r.p50_ms:>8.2f} ms{r.p99_ms:>8.2f} ms{errors:>9}{cpu:>11}"
        )
    lines.append("")
    header = (
        f"{'route':<10}{'gateway/nginx':>15}{'gateway/direct':>16}{'nginx/direct':>14}"
        f"{'added p50 gateway':>19}{'added p50 nginx':>17}{'gateway/nginx by CPU':>22}"
    )
    lines += [header, "-" * len(header)]
    for route in dict.fromkeys(row.route for row in rows):
        got = {row.target: row.result for row in rows if row.route == route}
        lines.append(
            f"{route:<10}{_ratio(got.get('gateway'), got.get('nginx')):>15}"
            f"{_ratio(got.get('gateway'), got.get('direct')):>16}"
            f"{_ratio(got.get('nginx'), got.get('direct')):>14}"
            f"{_added(got.get('gateway'), got.get('direct')):>19}"
            f"{_added(got.get('nginx'), got.get('direct')):>17}"
            f"{_cpu_share(got.get('gateway'), got.get('nginx')):>22}"
        )
    costs = feature_costs(rows)
    if costs:
        lines.append("")
        header = f"{'features over trivial':<23}{'CPU/req':>12}{'p50':>11}"
        lines += [header, "-" * len(header)]
        for target, extra_cpu, extra_p50 in costs:
            cpu_text = f"{extra_cpu:+.1f} us" if extra_cpu is not None else "-"
            lines.append(f"{target:<23}{cpu_text:>12}{extra_p50:>+8.2f} ms")
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

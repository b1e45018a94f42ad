"""One measurement of one route through one target, and the median of repeated rounds.

:func:`measure` first checks the target answers what it should (:func:`check_answer`), warms
it up, runs wrk, adds the CPU the measured process spent per request, and turns too many
failed requests or a stall into the row's error instead of a figure. :func:`median_row`
picks the round with the median req/s when the rounds are repeated.
"""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bench.cpu import session_cpu_seconds
from bench.progress import say
from bench.targets import Bench
from bench.wrk import WrkResult, run_wrk
from strangler.stages.processes import ProcessFailed

MIN_REQUESTS = 50


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
    sessions: Sequence[int] = (),
) -> Row:
    """``sessions``: the process trees whose CPU the row's CPU/req adds up (none: no figure)."""
    row = Row(route, target)
    args = bench.args
    try:
        check_answer(url, expect)
        if warm:
            say(f"{route} / {target}: warm-up {args.warmup:g}s")
            run_wrk(url, seconds=args.warmup, args=args, pinning=bench.pinning)
        say(f"{route} / {target}: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s")
        cpu_before = sum(session_cpu_seconds(session) for session in sessions)
        result = run_wrk(url, seconds=args.duration, args=args, pinning=bench.pinning)
        if sessions and result.requests:
            spent = sum(session_cpu_seconds(session) for session in sessions) - cpu_before
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

"""Running wrk and reading its report: requests per second, p50, p99, errors.

:func:`run_wrk` runs ``wrk --latency`` (pinned to the load core) against one URL;
:func:`parse_wrk` is the pure part, turning wrk's text report into a :class:`WrkResult` and
raising ValueError when a figure the benchmark needs is missing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from dataclasses import dataclass

from bench.cpu import LOAD_CPU, Pinning
from strangler.stages.processes import ProcessFailed


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

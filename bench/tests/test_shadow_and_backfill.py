"""What the shadow option of bench.gateway and bench.backfill print from their figures."""

from __future__ import annotations

import argparse

from bench.backfill import Round, render
from bench.cpu import Pinning
from bench.gateway import shadow_cost
from bench.measure import Row
from bench.wrk import WrkResult


def _result(rps: float, cpu: float | None) -> WrkResult:
    return WrkResult(rps, 1.0, 3.0, int(rps * 8), 0, 0, cpu)


def test_shadow_cost_is_the_shadowed_route_over_the_trivial_one_through_the_gateway() -> None:
    rows = [
        Row("trivial", "gateway", _result(4000, 60.0)),
        Row("trivial", "nginx", _result(9000, 30.0)),
        Row("shadowed", "gateway", _result(3000, 120.0)),
    ]

    line = shadow_cost(rows)

    assert "req/s 3,000 / 4,000 = 0.75" in line
    assert "CPU/req 120.0 / 60.0 us" in line


def test_shadow_cost_says_when_a_side_did_not_run() -> None:
    rows = [Row("trivial", "gateway", _result(4000, 60.0)), Row("shadowed", "gateway")]

    assert shadow_cost(rows).strip() == "shadow on / off: not measured"


def test_the_backfill_report_takes_the_median_round_and_gives_the_ratio() -> None:
    args = argparse.Namespace(rows=1_000_000, chunk_size=50_000)
    rounds = [Round(10.0, 12.0, 4.0), Round(10.0, 30.0, 10.0), Round(12.0, 14.0, 6.0)]

    text = render(rounds, args, Pinning(True))

    assert "median of 3 round(s)" in text
    assert "raw psql COPY out | COPY in            12.00        83,333" in text
    assert "migrate backfill + verify              20.00        50,000" in text
    assert "ratio (backfill + verify) / raw COPY, in rows/s: 0.60" in text
    assert "goal 0.5 or more: met" in text

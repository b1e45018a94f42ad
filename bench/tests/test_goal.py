"""What bench.gateway prints of issue 17's goal, at saturation and at a fixed rate."""

from __future__ import annotations

from bench.gateway import goal_report, paced_pause_ms, python_cost
from bench.measure import Row
from bench.wrk import WrkResult


def _result(rps: float, p50: float, p99: float) -> WrkResult:
    return WrkResult(rps, p50, p99, int(rps * 8), 0, 0, None)


def test_the_pause_gives_the_rate_over_the_connections() -> None:
    assert paced_pause_ms(2000, 8) == 4
    assert paced_pause_ms(1_000_000, 8) == 1  # never a zero pause: that is saturation


def test_each_part_of_the_goal_is_read_at_saturation_and_at_the_paced_rate() -> None:
    rows = [
        Row("trivial", "direct", _result(60000, 0.30, 2.0)),
        Row("trivial", "gateway", _result(12000, 1.80, 12.0)),
        Row("trivial", "nginx", _result(15000, 0.90, 10.0)),
        Row("paced", "direct", _result(1900, 0.10, 0.5)),
        Row("paced", "gateway", _result(1800, 0.35, 3.0)),
        Row("paced", "nginx", _result(1850, 0.20, 1.0)),
    ]

    text = goal_report(rows)

    assert "gateway/nginx by req/s >= 0.6: 0.80, met" in text
    assert "at saturation (trivial): +1.50 ms, NOT met (nginx +0.60 ms)" in text
    assert "gateway p99 <= 2x nginx's (trivial): 1.20x, met" in text
    assert "at 1,800 req/s (paced): +0.25 ms, met (nginx +0.10 ms)" in text
    assert "gateway p99 <= 2x nginx's (paced): 3.00x, NOT met" in text


def test_a_route_not_measured_is_said_so() -> None:
    text = goal_report([Row("trivial", "gateway"), Row("paced", "gateway")])

    assert "trivial route: not measured" in text
    assert "added p50 at a fixed rate: not measured" in text


def test_the_python_cost_is_measured_on_requests_the_gateway_answered() -> None:
    # python_cost raises when a request went unanswered or a connection closed
    assert python_cost(rounds=1, requests=100) > 0

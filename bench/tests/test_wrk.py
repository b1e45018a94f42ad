"""wrk's ``--latency`` report is read into figures; a report missing one is refused."""

from __future__ import annotations

import pytest

from bench.wrk import parse_wrk

REPORT = """\
Running 8s test @ http://127.0.0.1:40123/trivial/item
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   612.40us  140.02us   7.31ms   91.20%
    Req/Sec    52.31k     1.90k   55.80k    80.00%
  Latency Distribution
     50%  590.00us
     75%  660.00us
     90%  740.00us
     99%    1.21ms
  416512 requests in 8.00s, 83.22MB read
Requests/sec:  52063.75
Transfer/sec:     10.40MB
"""


def test_a_clean_report_gives_rate_percentiles_in_ms_and_no_errors() -> None:
    result = parse_wrk(REPORT)
    assert (result.requests_per_second, result.requests) == (52063.75, 416512)
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(0.59), pytest.approx(1.21))
    assert (result.non_2xx, result.socket_errors, result.cpu_us_per_request) == (0, 0, None)


def test_socket_errors_are_summed_and_non_2xx_counted() -> None:
    report = REPORT.replace(
        "Requests/sec:",
        "  Socket errors: connect 1, read 2, write 3, timeout 4\n"
        "  Non-2xx or 3xx responses: 17\n"
        "Requests/sec:",
    )
    result = parse_wrk(report)
    assert (result.socket_errors, result.non_2xx) == (10, 17)


@pytest.mark.parametrize(
    ("written", "ms"),
    [("850.00us", 0.85), ("12.50ms", 12.5), ("1.50s", 1500.0), ("2.00m", 120000.0)],
)
def test_every_wrk_duration_unit_is_read_as_milliseconds(written: str, ms: float) -> None:
    result = parse_wrk(REPORT.replace("1.21ms", written))
    assert result.p99_ms == pytest.approx(ms)


@pytest.mark.parametrize("missing", ["Requests/sec:", "     50%", "     99%", "requests in"])
def test_a_report_missing_a_figure_is_refused(missing: str) -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk(REPORT.replace(missing, "something else"))


def test_an_unknown_duration_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk duration"):
        parse_wrk(REPORT.replace("1.21ms", "1.21h"))

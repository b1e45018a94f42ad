"""The features-on trivial route: in the bench table, exported alike to nginx, and reported."""

from __future__ import annotations

import argparse

from bench.cpu import Pinning
from bench.gateway import measured
from bench.measure import Row
from bench.report import feature_costs, render
from bench.targets import FEATURES_PATH, bench_table
from bench.wrk import WrkResult
from strangler.routing.nginx import ExportOptions, export_nginx
from strangler.routing.table import parse_route_table

PORTS = {"static": 18001, "monolith": 18002}


def _result(rps: float, p50: float, cpu: float | None) -> WrkResult:
    return WrkResult(rps, p50, p50 * 3, int(rps * 8), 0, 0, cpu)


def test_the_features_route_has_optional_auth_and_a_limit_wrk_cannot_exhaust() -> None:
    table = parse_route_table(bench_table(), PORTS, source="bench table")
    features = next(r for r in table.routes if FEATURES_PATH.startswith(f"{r.prefix}/"))
    bare = next(r for r in table.routes if r.name == "trivial")

    assert (features.upstream, bare.upstream) == ("static", "static")
    assert (features.auth, bare.auth) == ("optional", "none")
    assert (features.rate_limit, bare.rate_limit) == ("bench", None)
    assert table.rate_limits["bench"].burst >= 1_000_000


def test_the_exported_nginx_checks_the_token_and_limits_the_features_route_only() -> None:
    table = parse_route_table(bench_table(), PORTS, source="bench table")
    options = ExportOptions(listen="127.0.0.1:18000", workers="1", verifier="127.0.0.1:18003")
    conf = export_nginx(table, options)
    features = conf[conf.index("location = /features {") :].split("}", 1)[0]
    bare = conf[conf.index("location = /trivial {") :].split("}", 1)[0]

    assert "auth_request /_gateway/verify;" in features
    assert "limit_req zone=rl_bench" in features
    assert "auth_request" not in bare and "limit_req" not in bare
    assert "access_log access.log gateway" in conf


def test_nginx_on_the_features_route_counts_the_verifier_too() -> None:
    assert measured("features", "nginx") == ("proxy-nginx", "gateway")
    assert measured("trivial", "nginx") == ("proxy-nginx",)
    assert measured("features", "gateway") == ("gateway",)
    assert measured("features", "direct") == ("static",)
    assert measured("real", "direct") == ("monolith",)


def test_the_report_shows_both_trivial_rows_their_ratios_and_what_features_cost() -> None:
    rows = [
        Row("trivial", "direct", _result(70_000, 0.30, 7.0)),
        Row("trivial", "gateway", _result(30_000, 0.95, 32.0)),
        Row("trivial", "nginx", _result(45_000, 0.65, 21.0)),
        Row("features", "direct", _result(70_000, 0.30, 7.0)),
        Row("features", "gateway", _result(24_000, 1.10, 40.5)),
        Row("features", "nginx", _result(20_000, 1.40, None)),
    ]

    assert feature_costs(rows) == [
        ("gateway", 8.5, 1.10 - 0.95),
        ("nginx", None, 1.40 - 0.65),
    ]
    args = argparse.Namespace(threads=1, connections=32, duration=8.0, warmup=2.0, repeat=3)
    report = render(rows, args, Pinning(True))
    lines = report.splitlines()
    features = [line.split() for line in lines if line.startswith("features ")]
    assert [words[1] for words in features[:3]] == ["direct", "gateway", "nginx"]
    assert features[3][1:3] == ["1.20", "0.34"]  # the ratios: gateway/nginx, gateway/direct
    trivial = [line.split()[1] for line in lines if line.startswith("trivial ")]
    assert trivial[:3] == ["direct", "gateway", "nginx"]
    assert any(line.split()[:2] == ["gateway", "+8.5"] for line in lines)
    assert any(line.split()[:2] == ["nginx", "-"] for line in lines)

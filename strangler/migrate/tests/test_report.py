"""``migrate report``: the shadow mismatch rate per route, read from a gateway's /metrics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from strangler.__main__ import main
from strangler.migrate.report import shadow_figures

METRICS = b"""\
# HELP gateway_shadow_comparisons_total Safe shadowed requests, by route and result.
# TYPE gateway_shadow_comparisons_total counter
gateway_shadow_comparisons_total{result="match",route="inventory"} 297.0
gateway_shadow_comparisons_total{result="mismatch",route="inventory"} 3.0
gateway_shadow_comparisons_total{result="candidate_failed",route="inventory"} 1.0
gateway_shadow_comparisons_total{result="not_compared",route="products"} 4.0
# HELP gateway_rate_limited_total Requests refused with 429, by route.
# TYPE gateway_rate_limited_total counter
gateway_rate_limited_total{route="inventory"} 9.0
"""


class _Metrics(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = self.path == "/metrics"
        self.send_response(200 if found else 404)
        self.send_header("Content-Length", str(len(METRICS) if found else 0))
        self.end_headers()
        if found:
            self.wfile.write(METRICS)


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_rate_is_mismatches_over_compared_requests() -> None:
    inventory, products = shadow_figures(METRICS.decode())

    assert inventory.route == "inventory" and inventory.compared == 300
    assert inventory.mismatch_rate == pytest.approx(0.01)
    assert products.compared == 0 and products.mismatch_rate is None


def test_report_prints_one_row_per_route(gateway: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "report", "--gateway", gateway]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "route", "match", "mismatch", "candidate_failed", "not_compared", "mismatch", "rate"
    ]  # fmt: skip
    assert lines[2].split() == ["inventory", "297", "3", "1", "0", "1.00%"]
    assert lines[3].split() == ["products", "0", "0", "0", "4", "-"]


def test_an_unreachable_gateway_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "report", "--gateway", "http://127.0.0.1:9"]) == 2

    assert "migrate report: cannot read http://127.0.0.1:9/metrics" in capsys.readouterr().err

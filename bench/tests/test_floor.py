"""bench.floor's load counts what was answered and stops on anything but a 200; its table
divides a pair's core-0 CPU by the floors it measured beside it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.checkouts import LoadFailed
from bench.floor import CART, LIVE, PAIR, Cost, _table, get_load


@contextmanager
def server(status: int) -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering ``status`` to every GET; its URL and the tokens it saw."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/x", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_every_answer_is_counted_and_the_token_is_sent() -> None:
    with server(200) as (url, seen):
        counted = get_load(url, "t0k", clients=2, seconds=0.3)

    assert counted == len(seen) > 0
    assert set(seen) == {"Bearer t0k"}


def test_an_answer_other_than_200_stops_the_run_and_says_which() -> None:
    with server(401) as (url, _), pytest.raises(LoadFailed, match=r"GET .*/x: 401"):
        get_load(url, None, clients=2, seconds=5)


def test_the_summary_divides_the_pair_by_the_floors_measured_beside_it() -> None:
    costs = {
        LIVE: [Cost(1000.0, 0.5, 0.0), Cost(900.0, 0.7, 0.0), Cost(950.0, 0.5, 0.0)],
        CART: [Cost(500.0, 2.0, 0.0), Cost(400.0, 2.0, 0.0), Cost(450.0, 3.0, 0.0)],
        PAIR: [Cost(30.0, 22.0, 8.0), Cost(31.0, 22.0, 8.0), Cost(29.0, 25.0, 9.0)],
    }

    table = _table(costs)

    assert "cart add + checkout (pair)       30.0        22.00         8.00      30.00" in table
    assert "pays for 15.0 authenticated GETs or 60 liveness answers" in table
    assert "the services 8.00 ms" in table
    assert "two requests at the authenticated GET's price 4.00 ms" in table

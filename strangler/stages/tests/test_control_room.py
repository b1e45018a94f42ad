"""The control room's page, its JSON and its server, on a snapshot made here (the page of a
real running stage, in a real browser: tests/e2e/test_control_room.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from strangler.stages.processes import free_port
from strangler.stages.runner.control_room import ControlRoom
from strangler.stages.runner.room_page import Snapshot, as_json, render_html
from strangler.stages.runner.room_signals import Signal, read_signals, signals_of

# A stage 2 as the page sees it, written out: the test runs on every stage's tag, stage 0's too.
ROUTES = (
    (
        "order-summary",
        "/api/v1/orders/{order_id:int}/summary",
        "GET",
        "handler x:y",
        "required",
        "-",
    ),
    ("cart", "/api/v1/cart", "any", "monolith", "required", "-"),
    ("notifications", "/api/v1/notifications", "any", "notifications", "required", "-"),
    ("canary", "/api/v1/products", "any", "monolith 90% / catalog 10%", "none", "-"),
)
EVENTS = (("order.paid", "notifications", "notifications.events"),)
SNAPSHOT = Snapshot(
    stage=2,
    tag="stage-2-notifications",
    title="Notifications leave the monolith",
    changes=("the notifications service",),
    doc="docs/stages/2-notifications.md",
    healthy=False,
    processes=(
        ("monolith", 101, 8001, "yes", "yes", "yes", 0),
        ("notifications-worker", 102, "-", "yes", "?", "NO", 2),
    ),
    links=(
        ("monolith", "monolith admin (admin / admin)", "http://127.0.0.1:8001/admin/"),
        ("monolith", "monolith metrics (Prometheus)", "http://127.0.0.1:8001/metrics"),
        ("", "process logs", "var/logs"),
    ),
    routes=ROUTES,
    events=EVENTS,
    signals=(
        Signal("notifications", "dead letters", "notifications", "2", alert=True),
        Signal("monolith", "outbox rows not yet relayed", "orders.OutboxMessage", "0"),
    ),
    taken_at=0.0,
)
# What the kit's collectors expose, as Prometheus' text format gives it.
EXPOSITION = """\
# TYPE circuit_breaker_state gauge
circuit_breaker_state{client="payments",upstream="fraud",instance="",state="closed"} 0.0
circuit_breaker_state{client="payments",upstream="fraud",instance="",state="open"} 1.0
circuit_breaker_state{client="payments",upstream="fraud",instance="",state="half_open"} 0.0
# TYPE gateway_upstream_instance_up gauge
gateway_upstream_instance_up{upstream="monolith",instance="127.0.0.1:8001"} 1.0
gateway_upstream_instance_up{upstream="monolith",instance="127.0.0.1:8011"} 0.0
# TYPE events_metrics_source_up gauge
events_metrics_source_up{source="database"} 1.0
events_metrics_source_up{source="broker"} 0.0
# TYPE events_outbox_unsent gauge
events_outbox_unsent{outbox="orders.OutboxMessage"} 3.0
# TYPE events_queue_messages_ready gauge
events_queue_messages_ready{consumer="analytics",queue="analytics.events",role="events"} 4.0
events_queue_messages_ready{consumer="analytics",queue="analytics.dlq",role="dead_letters"} 1.0
# TYPE events_processed counter
events_processed_total{consumer="analytics",event_type="order.paid"} 5.0
events_processed_total{consumer="analytics",event_type="order.cancelled"} 2.0
# TYPE django_http_requests_total_by_method counter
django_http_requests_total_by_method_total{method="GET"} 12.0
"""


def test_the_page_shows_each_process_and_marks_the_one_not_ready() -> None:
    page = render_html(SNAPSHOT)

    assert '<tr data-process="notifications-worker">' in page
    assert '<td data-column="ready" class="NO">NO</td>' in page
    assert '<td data-column="restarts">2</td>' in page
    assert "a process is not ready" in page
    assert '<meta http-equiv="refresh"' in page
    assert '<a href="http://127.0.0.1:8001/admin/">' in page


def test_what_to_open_is_one_row_per_process_its_links_named_without_it() -> None:
    page = render_html(SNAPSHOT)

    monolith = page.split('<tr data-opens="monolith">')[1].split("</tr>")[0]
    assert '<a href="http://127.0.0.1:8001/admin/">admin (admin / admin)</a>' in monolith
    assert '<a href="http://127.0.0.1:8001/metrics">metrics (Prometheus)</a>' in monolith
    assert '<tr data-opens="process logs"><td>process logs</td><td>var/logs</td></tr>' in page
    assert as_json(SNAPSHOT)["links"][2] == {
        "process": None,
        "label": "process logs",
        "value": "var/logs",
    }


def test_the_page_counts_the_routes_that_left_the_monolith() -> None:

    page = render_html(SNAPSHOT)

    # a handler may still call the monolith, and a split still sends it a share
    assert "1 of 4 routes no longer reach the monolith" in page
    assert '<tr data-event="order.paid">' in page


def test_the_page_escapes_what_it_shows() -> None:
    hostile = replace(
        SNAPSHOT,
        title="<script>alert(1)</script>",
        processes=(('x"><img src=x onerror=alert(1)>', 1, 1, "yes", "yes", "yes", 0),),
        links=(("x", "docs", "javascript:alert(1)"), ("", "<b>", "javascript:alert(1)")),
    )

    page = render_html(hostile)

    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page  # only http(s) values become links


def test_the_json_gives_health_as_booleans_and_absent_values_as_null() -> None:
    data = as_json(SNAPSHOT)

    worker = data["processes"][1]
    assert worker == {
        "process": "notifications-worker",
        "pid": 102,
        "port": None,
        "alive": True,
        "live": None,
        "ready": False,
        "restarts": 2,
    }
    assert data["healthy"] is False
    assert data["events"][0] == {
        "event": "order.paid",
        "consumer": "notifications",
        "queue": "notifications.events",
    }
    json.dumps(data)  # all of it is JSON


@pytest.fixture
def room() -> Iterator[ControlRoom]:
    served = ControlRoom(lambda: SNAPSHOT, free_port()).start()
    try:
        yield served
    finally:
        served.close()


def test_the_room_serves_the_page_and_the_json(room: ControlRoom) -> None:
    page = requests.get(room.url, timeout=5)
    status = requests.get(f"{room.url}status.json", timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert SNAPSHOT.tag in page.text
    assert status.status_code == 200
    assert status.json() == json.loads(json.dumps(as_json(SNAPSHOT)))


def test_the_room_answers_an_unknown_path_with_a_json_404(room: ControlRoom) -> None:
    response = requests.get(f"{room.url}admin/", timeout=5)

    assert response.status_code == 404
    assert "no page at /admin/" in response.json()["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_the_room_only_reads(room: ControlRoom, method: str) -> None:
    response = requests.request(method, room.url, timeout=5)

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert f"{method} is not allowed" in response.json()["error"]


def test_the_signals_keep_the_figures_of_the_patterns_and_mark_what_needs_attention() -> None:
    signals = signals_of("gateway", EXPOSITION)

    assert [(s.figure, s.subject, s.value, s.alert) for s in signals] == [
        ("circuit breaker", "payments → fraud", "open", True),
        ("in the pool", "monolith 127.0.0.1:8001", "yes", False),
        ("in the pool", "monolith 127.0.0.1:8011", "NO", True),
        ("figures unavailable", "broker", "no answer", True),
        ("outbox rows not yet relayed", "orders.OutboxMessage", "3", False),
        ("messages waiting", "analytics.events (events)", "4", False),
        ("messages waiting", "analytics.dlq (dead letters)", "1", True),
        ("events processed", "analytics", "7", False),
    ]
    assert {s.process for s in signals} == {"gateway"}


def test_a_process_whose_metrics_do_not_answer_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}/metrics"  # nobody listens

    [signal] = read_signals({"payments": url})

    assert (signal.process, signal.figure, signal.subject) == ("payments", "metrics", url)
    assert signal.value.startswith("no answer") and signal.alert


def test_the_page_lists_the_signals_and_marks_the_alerts() -> None:
    page = render_html(SNAPSHOT)

    assert '<tr data-signal="dead letters" class="alert">' in page
    assert '<tr data-signal="outbox rows not yet relayed">' in page
    assert as_json(SNAPSHOT)["signals"][0] == {
        "process": "notifications",
        "figure": "dead letters",
        "subject": "notifications",
        "value": "2",
        "alert": True,
    }

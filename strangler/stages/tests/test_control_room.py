"""The control room's page, its JSON and its server, on a snapshot made here (the page of a
real running stage, in a real browser: tests/e2e/test_control_room.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from strangler.stages.manifest import get_stage
from strangler.stages.processes import free_port
from strangler.stages.runner.control_room import ControlRoom
from strangler.stages.runner.room_page import Snapshot, as_json, render_html
from strangler.stages.views import route_rows

STAGE_2 = get_stage(2)
SNAPSHOT = Snapshot(
    stage=2,
    tag=STAGE_2.tag,
    title=STAGE_2.title,
    changes=tuple(STAGE_2.changes),
    doc=STAGE_2.doc,
    healthy=False,
    processes=(
        ("monolith", 101, 8001, "yes", "yes", "yes", 0),
        ("notifications-worker", 102, "-", "yes", "?", "NO", 2),
    ),
    links=(("monolith admin (admin / admin)", "http://127.0.0.1:8001/admin/"),),
    routes=tuple(route_rows(STAGE_2)),
    events=tuple((s.event_type, s.consumer, s.queue or "-") for s in STAGE_2.subscriptions),
    taken_at=0.0,
)


def test_the_page_shows_each_process_and_marks_the_one_not_ready() -> None:
    page = render_html(SNAPSHOT)

    assert '<tr data-process="notifications-worker">' in page
    assert '<td data-column="ready" class="NO">NO</td>' in page
    assert '<td data-column="restarts">2</td>' in page
    assert "a process is not ready" in page
    assert '<meta http-equiv="refresh"' in page
    assert '<a href="http://127.0.0.1:8001/admin/">' in page


def test_the_page_counts_the_routes_that_left_the_monolith() -> None:
    moved = [r for r in SNAPSHOT.routes if r[3] == "notifications"]
    assert moved, "stage 2 routes /api/v1/notifications to the notifications service"

    page = render_html(SNAPSHOT)

    assert f"{len(moved)} of {len(SNAPSHOT.routes)} routes no longer reach the monolith" in page
    assert f'<tr data-event="{STAGE_2.subscriptions[0].event_type}">' in page


def test_the_page_escapes_what_it_shows() -> None:
    hostile = replace(
        SNAPSHOT,
        title="<script>alert(1)</script>",
        processes=(('x"><img src=x onerror=alert(1)>', 1, 1, "yes", "yes", "yes", 0),),
        links=(("docs", "javascript:alert(1)"),),
    )

    page = render_html(hostile)

    assert "<script>" not in page and "<img" not in page
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
    first = STAGE_2.subscriptions[0]
    assert data["events"][0] == {
        "event": first.event_type,
        "consumer": first.consumer,
        "queue": first.queue or "-",
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

"""A learner goes back a stage and forward again on the same data: ``make demo`` at the latest
stage, then at stage 0, then at the latest stage again. Both sides hold notifications by then
(the service its own, the monolith the ones it sent while it owned them again); the third
demo's hand-over copies the monolith's new rows and the demo starts.

Every run shares one var dir and, on the real engines, one set of databases of its own.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from strangler.stages.manifest import get_stage, latest_stage
from tests.e2e.conftest import _base_env, _Engines, run_demo

Row = tuple[int, int | None, str]
QUERY = "SELECT id, order_id, kind FROM notifications_notification ORDER BY id"


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    engines = _Engines()
    run_id = f"{uuid.uuid4().hex[:8]}_back"
    env = _base_env(tmp_path, run_id)
    env.pop("DJANGO_SETTINGS_MODULE")  # the demo sets it per process
    engines.provision(env, run_id)
    try:
        yield env
    finally:
        engines.drop_all()


def _demo(env: dict[str, str], stage: int) -> str:
    result, _ = run_demo(env, get_stage(stage), timeout=400)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"demo at stage {stage} failed:\n{output[-4000:]}"
    return output


def _notifications(env: dict[str, str], service: str) -> list[Row]:
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url if service == "monolith" else f"{url}_{service}"
        with psycopg.connect(name) as db:
            return [tuple(row) for row in db.execute(QUERY)]  # type: ignore[misc]
    path = Path(env["STRANGLER_VAR_DIR"]) / service / "db.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        return [tuple(row) for row in db.execute(QUERY)]


def test_the_demo_starts_again_after_going_back_to_stage_0(demo_env: dict[str, str]) -> None:
    forward = latest_stage().number
    _demo(demo_env, forward)
    _demo(demo_env, 0)
    monoliths_own = _notifications(demo_env, "monolith")
    services_before = _notifications(demo_env, "notifications")

    _demo(demo_env, forward)

    services_after = set(_notifications(demo_env, "notifications"))
    assert monoliths_own, "the monolith sent no e-mail at stage 0"
    assert services_before, "the service sent no e-mail at the latest stage"
    assert set(monoliths_own) <= services_after, "the monolith's history was not handed over"
    assert set(services_before) <= services_after

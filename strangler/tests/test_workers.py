"""Celery workers follow CONN_MAX_AGE instead of reconnecting around every task."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from celery import Celery, signals

from strangler import workers


@pytest.fixture
def closes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append("closed"))
    return calls


class _Task:
    def __init__(self, eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=eager)


def _task(eager: bool) -> Any:
    return _Task(eager)


def test_the_worker_keeps_connections_between_tasks_and_drops_only_old_ones(
    closes: list[str],
) -> None:
    app = Celery("t", set_as_current=False)
    workers.follow_conn_max_age(app)

    # Celery's Django fix-up reads this: anything but a huge number closes every connection
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 2**62
    signals.task_prerun.send(sender=_task(eager=False))
    signals.task_postrun.send(sender=_task(eager=False))
    assert closes == ["closed", "closed"]  # Django's own check: too old or broken only


def test_an_eager_task_leaves_the_callers_connection_alone(closes: list[str]) -> None:
    workers.follow_conn_max_age(Celery("t", set_as_current=False))

    signals.task_postrun.send(sender=_task(eager=True))

    assert closes == []

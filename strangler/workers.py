"""Celery workers of a Django service: keep database connections the way Django's requests do.

Celery's Django fix-up closes every database connection before and after each task unless
``db_reuse_max`` is set, so each task pays for a new PostgreSQL connection (a backend fork,
several milliseconds: more than the task's own work). A worker should instead follow the
service's ``CONN_MAX_AGE`` and ``CONN_HEALTH_CHECKS``, exactly like a request does:
``close_old_connections`` before and after each task closes only a connection that is too old
or broken.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, signals

# Large enough that the fix-up's own recycling never fires; our handlers below decide instead.
_NEVER = 2**62


def _close_old_connections(sender: Any = None, **_: Any) -> None:
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run in the caller's process, inside its transaction (as Celery's fix-up skips)
    from django.db import close_old_connections

    close_old_connections()


def follow_conn_max_age(app: Celery) -> None:
    """Make ``app``'s worker reuse database connections within ``CONN_MAX_AGE``."""
    app.conf.update(CELERY_DB_REUSE_MAX=_NEVER)
    signals.task_prerun.connect(_close_old_connections, weak=False)
    signals.task_postrun.connect(_close_old_connections, weak=False)

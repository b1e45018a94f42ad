"""``manage.py set_up``: a service's whole set-up in one process, run as a stage runs it (the
notifications service on the embedded defaults: SQLite and the filesystem broker)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from strangler.config import REPO_ROOT

ENGINE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def _set_up(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENGINE_VARIABLES and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env["STRANGLER_VAR_DIR"] = str(var)
    return subprocess.run(
        [sys.executable, "extracted/notifications/manage.py", "set_up", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_fresh_service_gets_its_tables_static_files_admin_and_queue_then_nothing_changes(
    tmp_path: Path,
) -> None:
    first = _set_up(tmp_path)

    assert first.returncode == 0, first.stderr
    steps = [line.split()[0] for line in first.stdout.splitlines() if line[:1].islower()]
    assert [s for s in steps if s in ("ensure_database", "migrate", "collectstatic")] == [
        "ensure_database",
        "migrate",
        "collectstatic",
    ]
    assert "admin / admin at /admin/ (created)" in first.stdout
    assert "events_declare" in first.stdout
    with closing(sqlite3.connect(tmp_path / "notifications" / "db.sqlite3")) as db:
        assert db.execute("SELECT username FROM auth_user").fetchall() == [("admin",)]
    assert list((tmp_path / "notifications").rglob("admin/css/base.css")), "no static files"

    again = _set_up(tmp_path, "--skip", "events_declare")

    assert again.returncode == 0, again.stderr
    assert "a superuser exists; password unchanged" in again.stdout
    assert "events_declare: skipped" in again.stdout


def test_an_unknown_step_to_skip_is_refused_naming_the_steps(tmp_path: Path) -> None:
    refused = _set_up(tmp_path, "--skip", "migrat")

    assert refused.returncode != 0
    assert "invalid choice: 'migrat'" in refused.stderr
    assert not (tmp_path / "notifications" / "db.sqlite3").exists()

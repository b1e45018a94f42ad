"""``make demo`` on embedded defaults: SQLite and the filesystem broker, no server at all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from strangler.config import REPO_ROOT
from strangler.stages.demo import mailer
from strangler.stages.manifest import latest_stage
from tests.e2e.conftest import run_demo

ENGINE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_BACKEND")


def test_demo_runs_the_journey_on_embedded_defaults(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENGINE_VARIABLES and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env["STRANGLER_VAR_DIR"] = str(tmp_path)
    stage = latest_stage()
    result, ports = run_demo(env, stage, timeout=300)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "embedded SQLite" in result.stdout
    assert "The customer journey" in result.stdout
    assert "repeat check out" in result.stdout
    assert f"sent by the Celery worker of {mailer(stage)}" in result.stdout
    assert f"http://127.0.0.1:{ports[stage.entrypoint]}/api/docs/" in result.stdout
    assert (tmp_path / "monolith" / "db.sqlite3").exists()
    mail = tmp_path / mailer(stage) / "mail"
    assert list(mail.glob("*.log")), f"no e-mail file was written in {mail}"


def test_demo_rejects_a_bad_port_argument() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "strangler.stages.demo", "--port", "monolith=abc"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--port wants NAME=PORT" in result.stderr


def test_demo_names_a_busy_port_and_how_to_pick_another() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "strangler.stages.demo", "--exit", "--port", f"monolith={port}"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"ports already in use: monolith={port}" in result.stderr
    assert 'DEMO_ARGS="--port monolith=' in result.stderr

"""``python -m strangler stage ...`` as a user runs it: a real stage up in one process, looked
at and stopped from others through the state file, and looked at in a real browser (Chromium,
driven by Selenium) through its control room."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, Stage, first_stage_here
from strangler.stages.processes import free_port, http_ok
from strangler.stages.state import StageState, is_running

ENGINE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_BACKEND")
Up = tuple[subprocess.Popen[str], dict[str, int]]
# What `stage up` runs: stage 0 on main, on a later stage's tag that stage.
STAGE = first_stage_here(0)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Embedded defaults (SQLite, filesystem broker) in a folder of the test's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENGINE_VARIABLES and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env["STRANGLER_VAR_DIR"] = str(tmp_path / "var")
    return env


def stage_cli(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strangler", "stage", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_list_names_every_stage_of_the_manifest(env: dict[str, str]) -> None:
    result = stage_cli(env, "list")
    assert result.returncode == 0, result.stderr
    for stage in STAGES:
        assert stage.tag in result.stdout


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_show_prints_processes_routes_and_a_mermaid_diagram(
    env: dict[str, str], stage: Stage
) -> None:
    result = stage_cli(env, "show", str(stage.number))
    assert result.returncode == 0, result.stderr
    for process in stage.processes:
        assert process.name in result.stdout
    if stage.routes:
        assert stage.routes in result.stdout
    assert "```mermaid\nflowchart LR" in result.stdout
    assert f"client -->|HTTP| {stage.entrypoint}" in result.stdout


def test_show_names_a_stage_that_does_not_exist(env: dict[str, str]) -> None:
    result = stage_cli(env, "show", "99")
    assert result.returncode == 2
    assert "no stage 99" in result.stderr


def test_procfile_has_one_line_per_process(env: dict[str, str]) -> None:
    result = stage_cli(env, "procfile", "0")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert [line.split(":", 1)[0] for line in lines] == ["monolith", "monolith-worker", "flower"]
    assert "--bind 127.0.0.1:8001" in lines[0]


@pytest.fixture
def up(
    env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], dict[str, int]]]:
    ports = {name: free_port() for name in (*STAGE.port_names, "control-room")}
    argv = [sys.executable, "-m", "strangler", "stage", "up", str(STAGE.number)]
    for name, port in ports.items():
        argv += ["--port", f"{name}={port}"]
    log = (tmp_path / "up.log").open("w")
    runner = subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    state_file = Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json"
    deadline = time.monotonic() + 180
    while not state_file.exists():
        if runner.poll() is not None or time.monotonic() > deadline:
            runner.kill()
            pytest.fail(
                f"stage up {STAGE.number} did not come up:\n{(tmp_path / 'up.log').read_text()}"
            )
        time.sleep(0.2)
    try:
        yield runner, ports
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGINT)
            runner.wait(timeout=60)
        state = StageState.read(state_file) if state_file.exists() else None
        for leftover in state.processes if state else []:
            if leftover.running():
                os.killpg(leftover.pid, signal.SIGKILL)
        log.close()


def test_up_check_and_down_from_another_shell(env: dict[str, str], up: Up) -> None:
    runner, ports = up
    state = json.loads((Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json").read_text())
    pids = {p["name"]: (p["pid"], p["started"]) for p in state["processes"]}
    assert set(pids) == {process.name for process in STAGE.processes}
    assert http_ok(f"http://127.0.0.1:{ports['monolith']}/health/ready")
    assert http_ok(f"http://127.0.0.1:{ports['flower']}/healthcheck")

    check = stage_cli(env, "check", str(STAGE.number))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "monolith-worker" in check.stdout

    again = stage_cli(env, "up", str(STAGE.number))
    assert again.returncode == 1
    assert "already up" in again.stderr

    down = stage_cli(env, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert runner.wait(timeout=60) == 0
    for name, (pid, started) in pids.items():
        assert not is_running(pid, started), f"{name} (pid {pid}) still runs after `stage down`"
    assert not (Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json").exists()


def test_down_stops_what_a_killed_runner_left_behind(env: dict[str, str], up: Up) -> None:
    runner, _ = up
    state = StageState.read(Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json")
    assert state is not None
    runner.kill()  # SIGKILL: the runner cannot stop its processes
    runner.wait(timeout=10)
    assert all(p.running() for p in state.processes)

    down = stage_cli(env, "down")

    assert down.returncode == 0, down.stdout + down.stderr
    assert "left behind" in down.stdout
    for process in state.processes:
        assert not process.running(), f"{process.name} (pid {process.pid}) still runs"


def test_ctrl_c_stops_every_process(env: dict[str, str], up: Up) -> None:
    runner, _ = up
    state = StageState.read(Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json")
    assert state is not None

    runner.send_signal(signal.SIGINT)

    assert runner.wait(timeout=60) == 0
    for process in state.processes:
        assert not process.running(), f"{process.name} (pid {process.pid}) still runs"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium through its ChromeDriver (Debian's packages; no download)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("Chromium is not installed: apt-get install chromium chromium-driver (CI does)")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()  # the browser and its driver


# One read of the page in one script: the page reloads itself (a meta refresh), and element by
# element reads can straddle a reload, which ChromeDriver reports as stale or foreign nodes.
READ_PAGE = """
const rows = {};
for (const row of document.querySelectorAll("tr[data-process]")) {
  const cells = {};
  for (const cell of row.querySelectorAll("td[data-column]")) {
    cells[cell.dataset.column] = cell.innerText.trim();
  }
  rows[row.dataset.process] = cells;
}
const admin = [...document.querySelectorAll('tr[data-opens="monolith"] a')]
  .find((link) => link.innerText.includes("admin"));
const verdict = document.getElementById("verdict");
return {
  rows: rows,
  admin: admin ? admin.href : null,
  verdict: verdict ? verdict.innerText.trim() : null,
  heading: document.title + " " + (document.querySelector("h1")?.innerText ?? ""),
};
"""


@dataclass(frozen=True)
class Shown:
    """What the control room showed at one moment: its process table (process -> column ->
    text), the monolith's admin link, its verdict and its title with its heading."""

    rows: dict[str, dict[str, str]]
    admin: str | None
    verdict: str | None
    heading: str


def read_page(page: WebDriver) -> Shown:
    """The control room as the browser shows it now, read from one document."""
    return Shown(**page.execute_script(READ_PAGE))


def shown(page: WebDriver, what: str, condition: Callable[[Shown], bool]) -> Shown:
    """Polls the page the browser shows (it reloads itself) until ``condition`` holds."""
    deadline, seen = time.monotonic() + 90, None
    while time.monotonic() < deadline:
        seen = read_page(page)
        if condition(seen):
            return seen
        time.sleep(0.5)
    pytest.fail(f"the control room never showed {what}; it last showed {seen}")


def test_the_control_room_shows_the_stage_and_a_restart_live_in_a_browser(
    env: dict[str, str], up: Up, browser: WebDriver
) -> None:
    _, ports = up
    browser.get(f"http://127.0.0.1:{ports['control-room']}/")
    names = {process.name for process in STAGE.processes}

    page = shown(
        browser,
        "every process ready",
        lambda page: (
            set(page.rows) == names and all(row.get("ready") == "yes" for row in page.rows.values())
        ),
    )
    assert STAGE.tag in page.heading
    assert page.rows["monolith"]["port"] == str(ports["monolith"])
    assert page.admin == f"http://127.0.0.1:{ports['monolith']}/admin/"

    state = StageState.read(Path(env["STRANGLER_VAR_DIR"]) / "stage-up.json")
    assert state is not None
    monolith = next(p for p in state.processes if p.name == "monolith")
    os.killpg(monolith.pid, signal.SIGKILL)  # the supervisor restarts it

    page = shown(
        browser,
        "the monolith restarted and ready again",
        lambda page: (
            page.rows.get("monolith", {}).get("restarts") == "1"
            and page.rows["monolith"].get("ready") == "yes"
        ),
    )
    assert page.rows["monolith"]["pid"] != str(monolith.pid)
    assert page.verdict == "every process is ready"

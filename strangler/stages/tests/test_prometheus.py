"""``stage prometheus``: a scrape configuration derived from the manifest, committed per stage."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from strangler.config import REPO_ROOT
from strangler.stages import prometheus
from strangler.stages.manifest import DEFAULT_PORTS, STAGES, Stage, get_stage
from strangler.stages.runner import ports_for


def scrape_targets(config: dict[str, object]) -> dict[str, list[str]]:
    jobs = config["scrape_configs"]
    assert isinstance(jobs, list)
    return {
        job["job_name"]: [t for group in job["static_configs"] for t in group["targets"]]
        for job in jobs
    }


def test_every_process_with_metrics_is_a_target_on_its_port() -> None:
    stage = get_stage(0)
    ports = {name: 20000 + n for n, name in enumerate(stage.port_names)}
    targets = scrape_targets(prometheus.scrape_config(stage, ports))
    assert targets == {
        "monolith": [f"127.0.0.1:{ports['monolith']}"],
        "flower": [f"127.0.0.1:{ports['flower']}"],
    }


def test_optional_processes_can_be_left_out() -> None:
    stage = get_stage(0)
    ports = ports_for(stage, {}, with_optional=False)
    targets = scrape_targets(prometheus.scrape_config(stage, ports, with_optional=False))
    assert targets == {"monolith": [f"127.0.0.1:{DEFAULT_PORTS['monolith']}"]}


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_committed_configuration_is_the_generated_one(stage: Stage) -> None:
    path = REPO_ROOT / "docs" / "prometheus" / f"stage-{stage.number}.yml"
    expected = prometheus.render(stage, ports_for(stage, {}, with_optional=True))
    regenerate = (
        f"python -m strangler stage prometheus {stage.number} -o {path.relative_to(REPO_ROOT)}"
    )
    assert path.read_text() == expected, f"stale: {regenerate}"
    assert yaml.safe_load(path.read_text())["scrape_configs"]


@pytest.mark.skipif(
    shutil.which("promtool") is None and not os.environ.get("CI"),
    reason="promtool (Debian: prometheus) missing; CI installs it in .ci/run",
)
@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_promtool_accepts_the_configuration(stage: Stage) -> None:
    path = REPO_ROOT / "docs" / "prometheus" / f"stage-{stage.number}.yml"
    result = subprocess.run(
        ["promtool", "check", "config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

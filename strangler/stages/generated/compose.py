"""docker-compose.yml from the stage manifest: one profile per stage, the engines shared.

A process's configuration changes between stages (stage 1 runs the monolith as two replicas
with one gunicorn worker each, stage 2 gives every process the outbox adapters, each stage's
gateway has its own route table and upstreams), and Compose has one definition per service
name. So each stage's processes are services of their own, ``stage-N-<process>`` in profile
``stage-N``, and each takes its process's name as a network alias: the gateway reaches
``monolith:8001`` and Prometheus scrapes ``gateway:8000`` whichever stage runs. One profile
runs at a time (the stages publish the same host ports). The engines (PostgreSQL, RabbitMQ,
Redis, etcd, OpenBao, Jaeger) have no profile: every stage shares them and their volumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from strangler.config import secret_store_login_file
from strangler.stages import prometheus
from strangler.stages.generated import yamltext
from strangler.stages.generated.containers import (
    IMAGE,
    STATE_DIR,
    Container,
    celery_ping,
    containers,
    databases,
    host_of,
    port_of,
    secret_store_reader,
    setup_script,
)
from strangler.stages.generated.containers import settings as container_settings
from strangler.stages.manifest import Stage

POSTGRES = "postgres://postgres:postgres@postgres:5432"
ENGINES = ("postgres", "rabbitmq", "redis", "etcd", "openbao", "jaeger")
HEALTHY = {"condition": "service_healthy"}

HEADER = """\
# Written from the stage manifest by `python -m strangler stage generate`: do not edit, change
# strangler/stages/manifest/ or strangler/stages/generated/compose.py and regenerate.
#
#   docker compose --profile stage-{last} up --build     # the latest stage
#   docker compose --profile stage-0 up --build     # an earlier stage: same engines, fewer services
#
# Without a profile only the engines start. One profile at a time: stage N's services are
# stage-N-<process>, each reachable by its process's name (docs/operations.md, "docker compose").
# Open (the latest stage): the shop {entry}, Flower http://localhost:5555,
# Jaeger http://localhost:16686, Prometheus http://localhost:9090,
# RabbitMQ http://localhost:15672 (guest / guest).

"""


def _escape(value: str) -> str:
    """Compose interpolates ``$``; the commands' own ``$`` must reach the shell."""
    return value.replace("$", "$$")


def service_name(stage: Stage, process: str) -> str:
    return f"stage-{stage.number}-{process}"


def environment(stage: Stage) -> dict[str, str]:
    """What every process of the stage gets: the engines by name, then the stage's settings."""
    env = {"DJANGO_SETTINGS_MODULE": "monolith.shop.settings"}  # as the runner gives it
    env |= {var: f"{POSTGRES}/{name}" for var, name in databases(stage).items()}
    env |= {
        "CELERY_BROKER_URL": "amqp://guest:guest@rabbitmq:5672//",
        "REDIS_URL": "redis://redis:6379/0",
        # read from stage 5 on (CONFIG_STORE=on): the dynamic settings' central store
        "CONFIG_STORE_URL": "etcd://etcd:2379",
        # read from stage 5 on (SECRET_STORE=on): the signing keys and SECRET_KEY
        "SECRET_STORE_URL": "bao://openbao:8200",
        "SECRET_STORE_TOKEN": "${SECRET_STORE_TOKEN:-insecure-compose-dev-token}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318",
        "ALLOWED_HOSTS": ",".join(["localhost", "127.0.0.1", *host_of(stage).values()]),
        # ${...} is Compose's: the variable of the shell running compose, or the default
        "SECRET_KEY": "${SECRET_KEY:-insecure-compose-default-change-me}",
    }
    return env | {key: _escape(value) for key, value in container_settings(stage).items()}


def process_environment(stage: Stage, env: dict[str, str], container: Container) -> dict[str, str]:
    """A process's environment: the stage's without the set-up's OpenBao token and, from
    stage 5, the file of its service's OpenBao login (the set-up's ``secrets init`` writes one
    per service to the state volume)."""
    reader = secret_store_reader(stage, container.spec)
    own = {key: value for key, value in env.items() if key != "SECRET_STORE_TOKEN"}
    if reader is not None:
        own["SECRET_STORE_APPROLE_FILE"] = str(secret_store_login_file(Path(STATE_DIR), reader))
    return own


def healthcheck(container: Container) -> dict[str, Any] | None:
    spec = container.spec
    if spec.ready == "http":
        url = f"http://127.0.0.1:{container.port}{spec.ready_path}"
        probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=3)"
        return {
            "test": ["CMD", "python", "-c", probe],
            "interval": "5s",
            "timeout": "5s",
            "retries": 20,
            "start_period": "10s",
        }
    if spec.ready == "tcp":
        probe = f"import socket; socket.create_connection(('127.0.0.1', {container.port}), 3)"
        return {"test": ["CMD", "python", "-c", probe], "interval": "5s", "retries": 20}
    ping = celery_ping(container.command)
    if ping:
        return {
            "test": ["CMD-SHELL", _escape(" ".join([*ping, "-t", "5"]))],
            "interval": "15s",
            "timeout": "10s",
            "retries": 10,
            "start_period": "20s",
        }
    return None  # e.g. the outbox relay: ready when its log says so, nothing to ask it


def _python_service(stage: Stage, env: dict[str, str]) -> dict[str, Any]:
    return {
        "profiles": [f"stage-{stage.number}"],
        "build": ".",
        "image": IMAGE,
        "environment": dict(env),
        "volumes": [f"shop-state:{STATE_DIR}"],
    }


def setup_engines(stage: Stage) -> tuple[str, ...]:
    """The engines the set-up needs up: OpenBao too once the secrets are there (stage 5 on)."""
    secrets = ("openbao",) if stage.settings_env.get("SECRET_STORE") == "on" else ()
    return ("postgres", "rabbitmq", "redis", *secrets)


def stage_services(stage: Stage) -> dict[str, dict[str, Any]]:
    env = environment(stage)
    setup = service_name(stage, "setup")
    services: dict[str, dict[str, Any]] = {
        setup: {
            **_python_service(stage, env),
            "command": ["sh", "-ec", _escape(setup_script(stage))],
            "restart": "no",
            "depends_on": {engine: HEALTHY for engine in setup_engines(stage)},
        }
    }
    stage_containers = containers(stage)
    checks = {c.name: healthcheck(c) for c in stage_containers}
    for container in stage_containers:
        depends: dict[str, dict[str, str]] = {
            setup: {"condition": "service_completed_successfully"},
            "postgres": HEALTHY,
            "rabbitmq": HEALTHY,
            "redis": HEALTHY,
        }
        for peer in container.depends_on:
            condition = "service_healthy" if checks[peer] else "service_started"
            depends[service_name(stage, peer)] = {"condition": condition}
        service = {
            **_python_service(stage, process_environment(stage, env, container)),
            "command": [_escape(part) for part in container.command],
            "networks": {"default": {"aliases": [container.name]}},
            "restart": "unless-stopped",
            "depends_on": depends,
        }
        if container.port:
            service["ports"] = [f"{container.port}:{container.port}"]
        check = checks[container.name]
        if check:
            service["healthcheck"] = check
        services[service_name(stage, container.name)] = service
    services[service_name(stage, "prometheus")] = {
        "profiles": [f"stage-{stage.number}"],
        "image": "prom/prometheus:v2.55.1",
        "configs": [{"source": f"prometheus-stage-{stage.number}", "target": PROMETHEUS_CONFIG}],
        "networks": {"default": {"aliases": ["prometheus"]}},
        "ports": ["9090:9090"],
        "healthcheck": {
            "test": ["CMD", "wget", "-qO-", "http://127.0.0.1:9090/-/healthy"],
            "interval": "10s",
            "timeout": "3s",
            "retries": 10,
        },
    }
    return services


PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml"


def prometheus_config(stage: Stage) -> str:
    """The stage's scrape configuration (``stage prometheus``) on the containers' names."""
    ports = {p.port_name: port_of(p.port_name) for p in stage.processes if p.port_name}
    config = prometheus.scrape_config(
        stage, ports, interval="5s", host=lambda spec: spec.name, with_optional=True
    )
    return _escape(yaml.safe_dump(config, sort_keys=False))


def engines() -> dict[str, dict[str, Any]]:
    def check(*test: str, interval: str = "5s", retries: int = 20) -> dict[str, Any]:
        return {"test": ["CMD", *test], "interval": interval, "timeout": "3s", "retries": retries}

    return {
        "postgres": {
            "image": "postgres:16-alpine",
            # the monolith's database; each extracted service creates its own
            # (manage.py ensure_database, a set-up step of the stage that extracts it)
            "environment": {"POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "monolith"},
            "volumes": ["postgres-data:/var/lib/postgresql/data"],
            "ports": ["5432:5432"],
            "healthcheck": check("pg_isready", "-U", "postgres"),
        },
        "rabbitmq": {
            "image": "rabbitmq:3.13-management-alpine",
            "ports": ["5672:5672", "15672:15672"],
            "healthcheck": check("rabbitmq-diagnostics", "-q", "ping", interval="10s", retries=12),
        },
        "redis": {
            "image": "redis:7-alpine",
            "ports": ["6379:6379"],
            "healthcheck": check("redis-cli", "ping"),
        },
        "etcd": {
            "image": "quay.io/coreos/etcd:v3.5.17",
            "command": [
                "etcd",
                "--name=etcd",
                "--data-dir=/etcd-data",
                "--listen-client-urls=http://0.0.0.0:2379",
                "--advertise-client-urls=http://etcd:2379",
            ],
            "volumes": ["etcd-data:/etcd-data"],
            "ports": ["2379:2379"],
            "healthcheck": check("etcdctl", "endpoint", "health"),
        },
        "openbao": {  # a dev server: in memory, unsealed, the set-up seeds it on each start
            "image": "openbao/openbao:2.5.4",
            "command": [  # the image's entrypoint runs bao with these arguments
                "server",
                "-dev",
                "-dev-listen-address=0.0.0.0:8200",
                "-dev-root-token-id=${SECRET_STORE_TOKEN:-insecure-compose-dev-token}",
            ],
            "environment": {"BAO_ADDR": "http://127.0.0.1:8200"},
            "ports": ["8200:8200"],
            "healthcheck": check("bao", "status"),
        },
        "jaeger": {  # no health check: the image has no shell or client to run one
            "image": "jaegertracing/all-in-one:1.62.0",
            "environment": {"COLLECTOR_OTLP_ENABLED": "true"},
            "ports": ["16686:16686", "4317:4317", "4318:4318"],
        },
    }


def document(stages: Sequence[Stage]) -> dict[str, Any]:
    services = engines()
    for stage in stages:
        services |= stage_services(stage)
    return {
        "name": "shop",
        "services": services,
        "configs": {
            f"prometheus-stage-{stage.number}": {"content": prometheus_config(stage)}
            for stage in stages
        },
        "volumes": {"postgres-data": {}, "etcd-data": {}, "shop-state": {}},
    }


def render(stages: Sequence[Stage]) -> str:
    last = stages[-1]
    entry = last.process(last.entrypoint)
    url = f"http://localhost:{port_of(entry.port_name)}"
    header = HEADER.format(last=last.number, entry=url)
    return header + yamltext.dump([document(stages)])

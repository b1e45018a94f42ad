"""``python -m strangler stage prometheus``: a Prometheus scrape configuration for a stage.

Derived from the stage manifest, so it follows the stages: every process with a
``metrics_path`` is a target on its port, one job per service (the monolith's replicas are
two targets of the job ``monolith``), each target labelled with its process and the stage.
``docs/prometheus/stage-N.yml`` are the files written for the default ports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml

from strangler.stages.launcher import processes_to_start
from strangler.stages.manifest import ProcessSpec, Stage

HOST = "127.0.0.1"  # every process of a stage binds loopback


def scrape_config(
    stage: Stage,
    ports: Mapping[str, int],
    *,
    with_optional: bool = True,
    interval: str = "15s",
    timeout: str = "5s",
    host: Callable[[ProcessSpec], str] = lambda spec: HOST,
) -> dict[str, Any]:
    """``host`` names where a process is reached: loopback for the runner, the container's
    name in docker-compose.yml."""
    jobs: dict[str, dict[str, Any]] = {}
    for spec in processes_to_start(stage, with_optional=with_optional):
        if not spec.metrics_path:
            continue
        job = jobs.setdefault(
            spec.service,
            {"job_name": spec.service, "metrics_path": spec.metrics_path, "static_configs": []},
        )
        if job["metrics_path"] != spec.metrics_path:
            raise ValueError(f"stage {stage.number}: {spec.service} serves metrics on two paths")
        job["static_configs"].append(
            {
                "targets": [f"{host(spec)}:{ports[spec.port_name]}"],
                "labels": {"process": spec.name, "stage": str(stage.number)},
            }
        )
    return {
        "global": {"scrape_interval": interval, "scrape_timeout": timeout},
        "scrape_configs": list(jobs.values()),
    }


def render(stage: Stage, ports: Mapping[str, int], **options: Any) -> str:
    header = (
        f"# Prometheus scrape configuration for {stage.tag}, written from the stage manifest by\n"
        f"# `python -m strangler stage prometheus {stage.number}`: regenerate, do not edit.\n"
    )
    body = yaml.safe_dump(scrape_config(stage, ports, **options), sort_keys=False)
    return header + body

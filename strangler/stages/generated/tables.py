"""Markdown tables of the stages present, for regions of hand-written pages."""

from __future__ import annotations

from collections.abc import Sequence

from strangler.stages.generated.containers import port_of
from strangler.stages.manifest import Stage


def deploy_commands(stages: Sequence[Stage]) -> str:
    """The command that deploys each stage with docker compose and with Kubernetes."""
    rows = [
        "| stage | tag | docker compose | Kubernetes | clients use (compose) |\n",
        "|---|---|---|---|---|\n",
    ]
    for stage in stages:
        entry = stage.process(stage.entrypoint)
        rows.append(
            f"| {stage.number} | `{stage.tag}` "
            f"| `docker compose --profile stage-{stage.number} up --build` "
            f"| `kubectl apply -f deploy/k8s/stage-{stage.number}.yaml` "
            f"| {entry.name} http://localhost:{port_of(entry.port_name)} |\n"
        )
    return "".join(rows)

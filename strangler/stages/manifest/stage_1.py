"""Stage 1: the API gateway in front; every route still goes to the monolith.

The monolith runs as two replicas (``monolith`` and ``monolith-2``, one gunicorn worker each:
the same capacity as stage 0's two workers) so that ``stage restart monolith`` can take one
out of the gateway's pool at a time without failing a request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from strangler.stages.manifest.model import ProcessSpec, Stage
from strangler.stages.manifest.stage_0 import MONOLITH_WEB

ROUTES = "gateway/routes/stage-1.yaml"


def _with_option(argv: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    at = argv.index(option)
    return (*argv[: at + 1], value, *argv[at + 2 :])


def replicas(
    spec: ProcessSpec, count: int, *, upstream: str, workers: int
) -> tuple[ProcessSpec, ...]:
    """``spec`` as ``count`` instances of the gateway's ``upstream``: ``NAME``, ``NAME-2`` ...,
    each on a port of its own (port names like the process names), the first one keeping the
    URLs printed by ``stage up``."""
    argv = _with_option(spec.argv, "--workers", str(workers))
    return tuple(
        replace(
            spec,
            name=spec.name if n == 1 else f"{spec.name}-{n}",
            port_name=spec.port_name if n == 1 else f"{spec.port_name}-{n}",
            argv=argv,
            upstream=upstream,
            urls=spec.urls if n == 1 else (),
        )
        for n in range(1, count + 1)
    )


MONOLITH_REPLICAS = replicas(MONOLITH_WEB, 2, upstream="monolith", workers=1)

MONOLITH_GRPC = ProcessSpec(
    name="monolith-grpc",
    argv=("{python}", "-m", "monolith.inventory.grpc.server", "--port", "{port}"),
    ready="tcp",
    port_name="monolith-grpc",
    service="monolith",
    upstream="monolith-grpc",
)


def gateway(routes: str, upstreams: Mapping[str, Sequence[str]]) -> ProcessSpec:
    """The gateway process serving ``routes``; ``upstreams`` maps each upstream of the table
    to the port names of its instances (``--upstream NAME=127.0.0.1:P1,127.0.0.1:P2``)."""
    argv = ["{python}", "-m", "gateway", "serve", "--routes", routes, "--port", "{port}"]
    for upstream, port_names in upstreams.items():
        addresses = ",".join(f"127.0.0.1:{{port:{name}}}" for name in port_names)
        argv += ["--upstream", f"{upstream}={addresses}"]
    return ProcessSpec(
        name="gateway",
        argv=tuple(argv),
        ready="http",
        port_name="gateway",
        metrics_path="/metrics",
        urls=(
            ("the shop API (clients use this)", "/api/v1/products"),
            ("gateway metrics", "/metrics"),
            ("gateway readiness", "/health/ready"),
        ),
    )


def gateway_for(processes: Sequence[ProcessSpec], routes: str) -> ProcessSpec:
    """The gateway in front of every process that names an upstream."""
    upstreams: dict[str, list[str]] = {}
    for process in processes:
        if process.upstream:
            upstreams.setdefault(process.upstream, []).append(process.port_name)
    return gateway(routes, upstreams)


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    first, *others = MONOLITH_REPLICAS
    return previous.extend(
        number=1,
        tag="stage-1-gateway",
        title="The gateway in front: every route still goes to the monolith",
        replace_processes=(first,),
        add=(*others, MONOLITH_GRPC, gateway_for((*MONOLITH_REPLICAS, MONOLITH_GRPC), ROUTES)),
        entrypoint="gateway",
        routes=ROUTES,
        introduces=(
            "gateway/",
            "strangler/routing/",
            "monolith/inventory/grpc/",
            "strangler/grpc_server/",
            "strangler/contracts/proto/",
            "strangler/contracts/tests/",
            "monolith/inventory/tests/test_grpc*.py",
            "tests/gateway/",
            "tests/e2e/test_rolling_restart.py",
            "bench/",
            # flip and rollback move a gateway route
            "strangler/migrate/tests/test_flip.py",
            "tests/migrate/test_flip_through_gateway.py",
            "docs/stages/1-gateway.md",
            "docs/prometheus/stage-1.yml",
        ),
        doc="docs/stages/1-gateway.md",
        changes=(
            "the gateway (uvloop + httptools) in front of the monolith: routing, JWT check, "
            "rate limits, access log, metrics, tracing starts",
            "the monolith runs as two replicas behind the gateway (rolling restart: "
            "`stage restart monolith`)",
            "the monolith's inventory answers gRPC too (protocol translation at the gateway)",
        ),
    )

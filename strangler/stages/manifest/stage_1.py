"""Stage 1: the API gateway in front; every route still goes to the monolith."""

from __future__ import annotations

from strangler.stages.manifest.model import ProcessSpec, Stage

ROUTES = "gateway/routes/stage-1.yaml"

MONOLITH_GRPC = ProcessSpec(
    name="monolith-grpc",
    argv=("{python}", "-m", "monolith.inventory.grpc.server", "--port", "{port}"),
    ready="tcp",
    port_name="monolith-grpc",
    service="monolith",
)


def gateway(routes: str, upstreams: tuple[str, ...]) -> ProcessSpec:
    """The gateway process serving ``routes``, told the port of every upstream it names."""
    argv = ["{python}", "-m", "gateway", "serve", "--routes", routes, "--port", "{port}"]
    for upstream in upstreams:
        argv += ["--upstream-port", f"{upstream}={{port:{upstream}}}"]
    return ProcessSpec(
        name="gateway",
        argv=tuple(argv),
        ready="http",
        port_name="gateway",
        urls=(
            ("the shop API (clients use this)", "/api/v1/products"),
            ("gateway metrics", "/metrics"),
            ("gateway readiness", "/health/ready"),
        ),
    )


GATEWAY = gateway(ROUTES, ("monolith", "monolith-grpc"))


def build(previous: Stage | None) -> Stage:
    assert previous is not None
    return previous.extend(
        number=1,
        tag="stage-1-gateway",
        title="The gateway in front: every route still goes to the monolith",
        add=(MONOLITH_GRPC, GATEWAY),
        entrypoint="gateway",
        routes=ROUTES,
        introduces=(
            "gateway/",
            "strangler/routing/",
            "monolith/inventory/grpc/",
            "monolith/inventory/tests/test_grpc*.py",
            "tests/gateway/",
            "bench/",
            "docs/stages/1-gateway.md",
        ),
        doc="docs/stages/1-gateway.md",
        changes=(
            "the gateway (uvloop + httptools) in front of the monolith: routing, JWT check, "
            "rate limits, access log, metrics, tracing starts",
            "the monolith's inventory answers gRPC too (protocol translation at the gateway)",
        ),
    )

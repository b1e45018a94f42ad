"""Stage 1 in the manifest: the gateway in front of two monolith replicas, nothing else moved.

A stage's own test module arrives with the stage (the manifest adds it to what the stage
introduces), so an earlier stage's tag has none of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.stages.manifest import get_stage, missing_paths
from strangler.stages.rolling import RestartFailed
from strangler.stages.tests.test_rolling import restarter


def test_stage_1_puts_the_gateway_in_front_of_the_monolith() -> None:
    stage = get_stage(1)
    assert stage.tag == "stage-1-gateway"
    assert stage.entrypoint == "gateway"
    assert stage.routes == "gateway/routes/stage-1.yaml"
    assert stage.subscriptions == ()
    gateway = stage.process("gateway")
    assert gateway.ready == "http" and gateway.port_name == "gateway"
    assert gateway.ready_path == "/health/ready" and gateway.live_path == "/health/live"
    grpc = stage.process("monolith-grpc")
    assert grpc.ready == "tcp" and grpc.port_name == "monolith-grpc"
    assert {"monolith", "monolith-2", "monolith-worker"} <= {p.name for p in stage.processes}
    assert "gateway/" in stage.introduces
    assert "strangler/stages/manifest/stage_1.py" in stage.introduces
    # The adapters do not change when only a gateway is put in front.
    assert stage.settings == get_stage(0).settings


def test_gateway_argv_names_every_instance_of_every_upstream() -> None:
    from strangler.stages.launcher import argv_of

    stage = get_stage(1)
    ports = {"gateway": 18000, "monolith": 18001, "monolith-2": 18011, "monolith-grpc": 19001}
    argv = argv_of(stage.process("gateway"), ports, Path("/tmp/var"))
    assert argv[1:] == [
        "-m",
        "gateway",
        "serve",
        "--routes",
        "gateway/routes/stage-1.yaml",
        "--port",
        "18000",
        "--upstream",
        "monolith=127.0.0.1:18001,127.0.0.1:18011",
        "--upstream",
        "monolith-grpc=127.0.0.1:19001",
    ]


def test_stage_1_runs_the_monolith_as_two_replicas_of_one_gunicorn_worker_each() -> None:
    stage = get_stage(1)
    replicas = stage.instances("monolith")
    assert [(p.name, p.port_name) for p in replicas] == [
        ("monolith", "monolith"),
        ("monolith-2", "monolith-2"),
    ]
    for replica in replicas:
        assert replica.ready == "http" and not replica.optional
        assert replica.argv[replica.argv.index("--workers") + 1] == "1"
        assert replica.argv[:4] == get_stage(0).process("monolith").argv[:4]
    assert replicas[0].urls and not replicas[1].urls
    assert stage.instances("monolith-grpc") == (stage.process("monolith-grpc"),)
    assert get_stage(0).instances("monolith") == ()


def test_missing_paths_names_the_gateway_and_its_route_table(tmp_path: Path) -> None:
    missing = missing_paths(get_stage(1), root=tmp_path)
    assert "gateway.py or gateway/__main__.py" in missing
    assert "gateway/routes/stage-1.yaml" in missing


def test_stage_1_rolls_the_monolith_replicas_and_refuses_what_cannot_drain(
    tmp_path: Path,
) -> None:
    rolling = restarter(1, tmp_path)
    assert [s.name for s in rolling.instances("monolith")] == ["monolith", "monolith-2"]
    with pytest.raises(RestartFailed, match="no HTTP readiness"):
        rolling.instances("monolith-grpc")
    with pytest.raises(RestartFailed, match=r"upstreams with instances: monolith, monolith-grpc"):
        rolling.instances("payments")

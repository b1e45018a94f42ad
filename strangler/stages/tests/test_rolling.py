"""The rolling restart's parts that need no process: reading the gateway's pool from its
metrics, what it refuses to restart, the runner's control channel, the supervisor's hold."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from strangler.stages.control import ControlServer, Emit, send
from strangler.stages.manifest import get_stage
from strangler.stages.processes import ProcessGroup
from strangler.stages.rolling import RestartFailed, RollingRestart, pool_membership
from strangler.stages.supervisor import Policy, Supervisor

METRICS = b"""# HELP gateway_upstream_instance_up 1 while an instance is in its upstream's pool.
# TYPE gateway_upstream_instance_up gauge
gateway_upstream_instance_up{instance="127.0.0.1:8001",upstream="monolith"} 1.0
gateway_upstream_instance_up{instance="127.0.0.1:8011",upstream="monolith"} 0.0
gateway_upstream_instance_up{upstream="monolith-grpc",instance="127.0.0.1:9001"} 1.0
gateway_requests_total{route="products",status="200"} 7.0
"""


@pytest.fixture
def metrics_url() -> Iterator[str]:
    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(METRICS)))
            self.end_headers()
            self.wfile.write(METRICS)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_pool_membership_reads_the_gateways_gauge(metrics_url: str) -> None:
    assert pool_membership(metrics_url) == {
        ("monolith", "127.0.0.1:8001"): True,
        ("monolith", "127.0.0.1:8011"): False,
        ("monolith-grpc", "127.0.0.1:9001"): True,
    }


def restarter(number: int, tmp_path: Path) -> RollingRestart:
    stage = get_stage(number)
    ports = {name: 10000 + i for i, name in enumerate(stage.port_names)}
    group = ProcessGroup(log_dir=tmp_path, env={}, cwd=tmp_path)
    return RollingRestart(
        stage=stage, group=group, ports=ports, var=tmp_path, hold=lambda name: nullcontext()
    )


def test_a_stage_without_instances_of_the_upstream_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RestartFailed, match="no instances of 'monolith'"):
        restarter(0, tmp_path).instances("monolith")


def test_the_control_channel_streams_progress_then_the_result(tmp_path: Path) -> None:
    def handle(request: dict[str, Any], emit: Emit) -> dict[str, Any]:
        emit({"log": f"working on {request['upstream']}"})
        if request["upstream"] == "boom":
            raise RestartFailed("it broke")
        return {"ok": True}

    server = ControlServer(tmp_path / "control.sock", handle)
    server.start()
    try:
        fine = list(send(server.path, {"command": "restart", "upstream": "monolith"}))
        broken = list(send(server.path, {"command": "restart", "upstream": "boom"}))
    finally:
        server.close()
    assert fine == [{"log": "working on monolith"}, {"result": {"ok": True}}]
    assert broken[-1] == {"result": {"ok": False, "error": "RestartFailed: it broke"}}
    assert not (tmp_path / "control.sock").exists()


def test_a_held_process_that_exits_is_not_restarted_nor_counted(tmp_path: Path) -> None:
    group = ProcessGroup(log_dir=tmp_path, env={}, cwd=tmp_path)
    process = group.start("short", [sys.executable, "-c", "pass"], lambda p: True)
    supervisor = Supervisor(group, {"short": None}, policy=Policy(backoff=0), log=print)
    try:
        with supervisor.hold("short"):
            assert process.popen is not None
            process.popen.wait(timeout=30)
            supervisor.tick()
            supervisor.tick()
            assert process.restarts == 0
            group.respawn(process, note="test:")
        assert process.restarts == 0
        assert "--- test: short ---" in process.log_path.read_text()
    finally:
        group.stop(grace_seconds=5)


def test_stage_restart_without_a_running_stage_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "strangler", "stage", "restart", "monolith"],
        env={"PATH": "/usr/bin:/bin", "STRANGLER_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 1
    assert "no `stage up` is running here" in result.stderr

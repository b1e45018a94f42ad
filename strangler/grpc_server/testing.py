"""Test helpers for a gRPC server built on ``strangler.grpc_server``: its health, and waiting
for a server process to serve."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import grpc

from strangler.contracts.proto import health_pb2, health_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def check_health(channel: grpc.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return int(stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status)


def wait_serving(
    address: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    """Poll the health service until it answers SERVING; fail with the server's log if the
    process exits or the deadline passes."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if check_health(channel) == SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not serving after {timeout:.0f}s:\n{log.read_text()}")
            time.sleep(0.1)

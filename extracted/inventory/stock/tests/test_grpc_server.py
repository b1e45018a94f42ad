"""The service's gRPC server: the monolith's answers and error metadata, health, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient

from extracted.inventory.stock.grpc_api import add_services
from extracted.inventory.stock.services import stock_reserve, stock_set
from strangler.config import REPO_ROOT
from strangler.contracts.proto import inventory_pb2, inventory_pb2_grpc
from strangler.grpc_server import build_server
from strangler.grpc_server.testing import SERVING, check_health, wait_serving
from strangler.stages.processes import free_port

MANAGE = REPO_ROOT / "extracted" / "inventory" / "manage.py"


@pytest.fixture
def channel(transactional_db: None) -> Iterator[grpc.Channel]:
    """The servicer in-process on a free port (one worker thread, so its database connection
    can be closed on that thread before the test database goes away)."""
    executor = ThreadPoolExecutor(max_workers=1)
    port = free_port()
    server = build_server("127.0.0.1", port, executor, add_services)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        executor.submit(connections.close_all).result(timeout=10)
        server.stop(0).wait()
        executor.shutdown(wait=True)


def get_availability(channel: grpc.Channel, sku: str) -> inventory_pb2.Availability:
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)
    reply: inventory_pb2.Availability = stub.GetAvailability(
        inventory_pb2.GetAvailabilityRequest(sku=sku), timeout=10
    )
    return reply


def test_availability_is_the_same_as_the_rest_apis(channel: grpc.Channel) -> None:
    stock_set(sku="MUG", on_hand=12)
    stock_reserve(order_id=1, lines=[("MUG", 5)])

    reply = get_availability(channel, "MUG")

    rest = APIClient().get("/api/v1/inventory/MUG").json()
    as_dict = {f: getattr(reply, f) for f in ("sku", "on_hand", "reserved", "available")}
    assert as_dict == rest == {"sku": "MUG", "on_hand": 12, "reserved": 5, "available": 7}


def test_an_unknown_sku_is_not_found_with_the_rest_error_parts(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        get_availability(channel, "NOPE")

    error: Any = caught.value
    trailers = dict(error.trailing_metadata())
    rest = APIClient().get("/api/v1/inventory/NOPE").json()["error"]
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == rest["message"]
    assert trailers["error-code"] == rest["code"] == "sku_not_found"
    assert json.loads(trailers["error-details-bin"]) == rest["details"] == {"sku": "NOPE"}


def test_an_empty_sku_is_an_invalid_argument(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        get_availability(channel, "")

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]


def test_health_names_the_server_and_the_inventory_service(channel: grpc.Channel) -> None:
    assert check_health(channel) == SERVING
    assert check_health(channel, "shop.inventory.v1.InventoryService") == SERVING
    with pytest.raises(grpc.RpcError) as caught:
        check_health(channel, "shop.payments.v1.PaymentService")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    assert "postgresql" in database["ENGINE"], "the server process shares the test database"
    user, host, port = database["USER"], database["HOST"], database["PORT"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def test_manage_py_grpc_server_answers_and_stops_cleanly_on_sigterm(
    transactional_db: None, tmp_path: Path
) -> None:
    stock_set(sku="TEA", on_hand=3)
    port = free_port()
    log = tmp_path / "grpc.log"
    env = {**os.environ, "INVENTORY_DATABASE_URL": _test_database_url()}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "grpc_server", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_serving(f"127.0.0.1:{port}", process, log)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            assert get_availability(channel, "TEA").available == 3
            with pytest.raises(grpc.RpcError) as caught:
                get_availability(channel, "NOPE")
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_a_busy_port_is_an_error(tmp_path: Path) -> None:
    port = free_port()
    executor = ThreadPoolExecutor(max_workers=1)
    first = build_server("127.0.0.1", port, executor, add_services)
    first.start()
    try:
        result = subprocess.run(
            [sys.executable, str(MANAGE), "grpc_server", "--port", str(port)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        first.stop(0).wait()
        executor.shutdown(wait=True)

    assert result.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr

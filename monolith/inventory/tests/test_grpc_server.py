"""The inventory's gRPC adapter: the same answers as the REST API, health, a clean stop."""

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

from monolith.inventory.grpc.server import build_server
from monolith.inventory.interface import ReservationLine, reserve_stock, set_stock
from strangler.config import REPO_ROOT
from strangler.contracts.proto import inventory_pb2, inventory_pb2_grpc
from strangler.grpc_server.testing import NOT_SERVING, SERVING, check_health, wait_serving
from strangler.stages.processes import free_port


@pytest.fixture
def grpc_address(transactional_db: None) -> Iterator[str]:
    """The adapter served in-process on a free port (one worker thread, so its database
    connection can be closed on that thread before the test database goes away)."""
    executor = ThreadPoolExecutor(max_workers=1)
    port = free_port()
    server = build_server("127.0.0.1", port, executor)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        executor.submit(connections.close_all).result(timeout=10)
        server.stop(0).wait()
        executor.shutdown(wait=True)


@pytest.fixture
def channel(grpc_address: str) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(grpc_address) as channel:
        yield channel


def get_availability(channel: grpc.Channel, sku: str) -> inventory_pb2.Availability:
    stub = inventory_pb2_grpc.InventoryServiceStub(channel)
    reply: inventory_pb2.Availability = stub.GetAvailability(
        inventory_pb2.GetAvailabilityRequest(sku=sku), timeout=10
    )
    return reply


def as_dict(reply: inventory_pb2.Availability) -> dict[str, Any]:
    return {
        "sku": reply.sku,
        "on_hand": reply.on_hand,
        "reserved": reply.reserved,
        "available": reply.available,
    }


def test_availability_is_the_same_as_the_rest_apis(channel: grpc.Channel) -> None:
    set_stock(sku="COF-KEN-250", on_hand=12)
    reserve_stock(order_id=1, lines=[ReservationLine(sku="COF-KEN-250", quantity=5)])

    reply = get_availability(channel, "COF-KEN-250")

    rest = APIClient().get("/api/v1/inventory/COF-KEN-250").json()
    assert (
        as_dict(reply)
        == rest
        == {
            "sku": "COF-KEN-250",
            "on_hand": 12,
            "reserved": 5,
            "available": 7,
        }
    )


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


def test_a_sku_with_quotes_and_unicode_keeps_the_rest_message(channel: grpc.Channel) -> None:
    sku = "caf\u00e9 'x\""

    with pytest.raises(grpc.RpcError) as caught:
        get_availability(channel, sku)

    error: Any = caught.value
    rest = APIClient().get("/api/v1/inventory/" + sku).json()["error"]
    assert error.details() == rest["message"]


def test_an_empty_sku_is_an_invalid_argument(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        get_availability(channel, "")

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]


def test_health_says_serving_for_the_server_and_the_inventory_service(
    channel: grpc.Channel,
) -> None:
    assert check_health(channel) == SERVING
    assert check_health(channel, "shop.inventory.v1.InventoryService") == SERVING


def test_health_of_an_unknown_service_is_not_found(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        check_health(channel, "shop.payments.v1.PaymentService")

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]


def test_a_draining_instance_is_not_serving(
    channel: grpc.Channel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drain = tmp_path / "drain"
    monkeypatch.setenv("STRANGLER_DRAIN_FILE", str(drain))
    assert check_health(channel) == SERVING

    drain.touch()

    assert check_health(channel) == NOT_SERVING


def test_a_busy_port_is_an_error() -> None:
    port = free_port()
    executor = ThreadPoolExecutor(max_workers=1)
    first = build_server("127.0.0.1", port, executor)
    first.start()
    try:
        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            build_server("127.0.0.1", port, executor)
    finally:
        first.stop(0).wait()
        executor.shutdown(wait=True)


# --- the real process -------------------------------------------------------------------------


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        pytest.skip("the server process needs a database it can share: run on PostgreSQL")
    user, host, port = database["USER"], database["HOST"], database["PORT"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.e2e
def test_the_server_process_answers_and_stops_cleanly_on_sigterm(
    transactional_db: None, tmp_path: Path
) -> None:
    set_stock(sku="TEA-1", on_hand=3)
    port = free_port()
    log = tmp_path / "grpc.log"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "monolith.inventory.grpc.server", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_serving(f"127.0.0.1:{port}", process, log)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            assert get_availability(channel, "TEA-1").available == 3

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=30) == 0, log.read_text()
        assert "stopped" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

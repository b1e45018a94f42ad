"""Protocol translation: REST in, gRPC to the inventory, the monolith's exact REST reply out."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
import uvloop

from gateway.handlers import HandlerResponse
from gateway.tests.inventory_calls import OPTIONS, FakeUpstreams, call, header, request_for
from gateway.translation import NotAcceptable, inventory_availability, negotiate
from strangler.contracts.proto import inventory_pb2, inventory_pb2_grpc
from strangler.stages.processes import free_port


def error_code(response: HandlerResponse) -> str:
    return str(json.loads(response.body)["error"]["code"])


# --- against a scripted gRPC inventory --------------------------------------------------------


class ScriptedInventory(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self) -> None:
        self.release = threading.Event()
        self.metadata: list[dict[str, str]] = []

    def GetAvailability(
        self, request: inventory_pb2.GetAvailabilityRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.Availability:
        self.metadata.append(dict(context.invocation_metadata()))
        if request.sku == "SLOW":
            self.release.wait(timeout=10)
        if request.sku == "BOOM":
            context.abort(grpc.StatusCode.INTERNAL, "database on fire")
        if request.sku == "DOWN":
            context.abort(grpc.StatusCode.UNAVAILABLE, "The inventory database is unavailable.")
        if not request.sku:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "A SKU is required.")
        if request.sku.startswith("A-"):
            return inventory_pb2.Availability(sku=request.sku, on_hand=9, reserved=2, available=7)
        context.set_trailing_metadata(
            (
                ("error-code", "sku_not_found"),
                ("error-details-bin", json.dumps({"sku": request.sku}).encode()),
            )
        )
        context.abort(grpc.StatusCode.NOT_FOUND, f"No stock record for SKU {request.sku!r}.")
        raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[str, ScriptedInventory]]:
    servicer = ScriptedInventory()
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", servicer
    servicer.release.set()
    server.stop(0).wait()


@pytest.fixture
def upstreams(scripted: tuple[str, ScriptedInventory]) -> FakeUpstreams:
    return FakeUpstreams(scripted[0])


def test_a_known_sku_is_rendered_like_the_rest_view(upstreams: FakeUpstreams) -> None:
    response = call(upstreams, request_for("A-1"))

    assert response.status == 200
    assert response.body == b'{"sku":"A-1","on_hand":9,"reserved":2,"available":7}'
    assert header(response, b"content-type") == b"application/json"
    assert upstreams.picked == ["monolith-grpc"]


def test_not_found_is_the_rest_404_body(upstreams: FakeUpstreams) -> None:
    response = call(upstreams, request_for("NOPE"))

    assert response.status == 404
    assert json.loads(response.body) == {
        "error": {
            "code": "sku_not_found",
            "message": "No stock record for SKU 'NOPE'.",
            "details": {"sku": "NOPE"},
        }
    }


def test_the_sku_is_percent_decoded_once(upstreams: FakeUpstreams) -> None:
    response = call(upstreams, request_for("A-caf\u00e9 1"))

    assert json.loads(response.body)["sku"] == "A-caf\u00e9 1"


def test_a_deadline_is_a_504(
    upstreams: FakeUpstreams, scripted: tuple[str, ScriptedInventory]
) -> None:
    response = call(upstreams, request_for("SLOW"), {**OPTIONS, "timeout": 0.2})
    scripted[1].release.set()

    assert (response.status, error_code(response)) == (504, "gateway_timeout")


@pytest.mark.parametrize("sku", ["BOOM", "DOWN"])
def test_a_failing_upstream_is_a_502(upstreams: FakeUpstreams, sku: str) -> None:
    response = call(upstreams, request_for(sku))

    assert (response.status, error_code(response)) == (502, "bad_gateway")
    assert b"fire" not in response.body  # the upstream's internals stay inside


def test_a_refused_connection_is_a_502() -> None:
    response = call(FakeUpstreams(f"127.0.0.1:{free_port()}"), request_for("A-1"))

    assert (response.status, error_code(response)) == (502, "bad_gateway")


def test_no_healthy_instance_is_a_503() -> None:
    response = call(FakeUpstreams(None), request_for("A-1"))

    assert (response.status, error_code(response)) == (503, "service_unavailable")


def test_an_empty_sku_is_a_400(upstreams: FakeUpstreams) -> None:
    assert call(upstreams, request_for("")).status == 400


def test_trace_request_and_user_ids_travel_as_metadata_but_not_the_token(
    upstreams: FakeUpstreams, scripted: tuple[str, ScriptedInventory]
) -> None:
    headers = (
        (b"x-request-id", b"req-42"),
        (b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        (b"x-user-id", b"7"),
        (b"authorization", b"Bearer secret"),
    )

    call(upstreams, request_for("A-2", headers=headers))

    seen = scripted[1].metadata[-1]
    assert seen["x-request-id"] == "req-42"
    assert seen["traceparent"].startswith("00-0af7651916cd43dd")
    assert seen["x-user-id"] == "7"
    assert "authorization" not in seen


def test_a_header_grpc_cannot_carry_is_left_out_not_a_failure(
    upstreams: FakeUpstreams, scripted: tuple[str, ScriptedInventory]
) -> None:
    headers = ((b"x-request-id", "caf\u00e9\n".encode()), (b"x-user-id", b"7"))

    response = call(upstreams, request_for("A-4", headers=headers))

    assert response.status == 200
    assert "x-request-id" not in scripted[1].metadata[-1]
    assert scripted[1].metadata[-1]["x-user-id"] == "7"


def test_it_works_on_uvloop_and_reuses_one_channel(upstreams: FakeUpstreams) -> None:
    async def twice() -> list[HandlerResponse]:
        return [
            await inventory_availability(request_for("A-1"), upstreams, OPTIONS),
            await inventory_availability(request_for("A-3"), upstreams, OPTIONS),
        ]

    responses = uvloop.run(twice())

    assert [r.status for r in responses] == [200, 200]


def test_a_restarted_inventory_is_used_again_on_the_same_channel() -> None:
    port = free_port()
    address = f"127.0.0.1:{port}"
    upstreams = FakeUpstreams(address)

    def start() -> grpc.Server:
        server = grpc.server(ThreadPoolExecutor(max_workers=2))
        inventory_pb2_grpc.add_InventoryServiceServicer_to_server(ScriptedInventory(), server)
        assert server.add_insecure_port(address) == port
        server.start()
        return server

    async def scenario() -> list[int]:
        statuses = []
        server = start()
        statuses.append(
            (await inventory_availability(request_for("A-1"), upstreams, OPTIONS)).status
        )
        server.stop(0).wait()
        statuses.append(
            (await inventory_availability(request_for("A-1"), upstreams, OPTIONS)).status
        )
        server = start()
        try:
            deadline = asyncio.get_running_loop().time() + 10
            while asyncio.get_running_loop().time() < deadline:
                response = await inventory_availability(request_for("A-1"), upstreams, OPTIONS)
                if response.status == 200:
                    break
                await asyncio.sleep(0.05)
            statuses.append(response.status)
        finally:
            server.stop(0).wait()
        return statuses

    assert asyncio.run(scenario()) == [200, 502, 200]


@pytest.mark.parametrize(
    ("accept", "indent"),
    [
        (None, None),
        ("*/*", None),
        ("application/json", None),
        ("text/html, application/*;q=0.9", None),
        ("application/json; indent=4", 4),
        ("*/*; indent=20", 8),
        ("application/json; indent=x", None),
        ("application/json; indent=4, */*", 4),
    ],
)
def test_negotiation_follows_drf(accept: str | None, indent: int | None) -> None:
    assert negotiate(accept) == indent


@pytest.mark.parametrize("accept", ["text/html", "application/xml, text/*", ""])
def test_an_accept_without_json_is_not_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept)

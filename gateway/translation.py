"""Protocol translation: the public REST route ``GET /api/v1/inventory/{sku}`` answered over
gRPC by ``shop.inventory.v1.InventoryService/GetAvailability`` (strangler/contracts/proto).

The client cannot tell: the reply is byte for byte what the monolith's REST view renders
(DRF's JSONRenderer: compact, UTF-8, U+2028/2029 escaped), including its 404 body, which the
gRPC server sends as parts (status message, ``error-code`` and ``error-details-bin`` trailers).
The few things DRF does before the view runs are mirrored too: content negotiation (an Accept
that excludes JSON is a 406, ``; indent=N`` pretty-prints) and the ``?format=`` override.

gRPC failures: NOT_FOUND -> 404 (the REST body), INVALID_ARGUMENT -> 400, UNAVAILABLE and
anything unexpected -> 502 ``bad_gateway``, DEADLINE_EXCEEDED -> 504 ``gateway_timeout``; no
healthy instance -> 503 ``service_unavailable``. Calls use grpc.aio on the gateway's loop
(uvloop included) with one channel per instance, kept open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote

import grpc

from gateway.handlers import HandlerRequest, HandlerResponse, Upstreams, UpstreamUnavailable
from strangler.contracts.proto import inventory_pb2, inventory_pb2_grpc
from strangler.error_shape import error_body

logger = logging.getLogger(__name__)

JSON = b"application/json"
FORWARDED_METADATA = (b"x-request-id", b"traceparent", b"x-user-id")
_PRINTABLE = re.compile(rb"[\x20-\x7e]{1,512}")  # what gRPC accepts in an ASCII metadata value


# --- rendering as DRF does ---------------------------------------------------------------------


def render_json(data: Any, indent: int | None = None) -> bytes:
    """``rest_framework.renderers.JSONRenderer`` with the monolith's settings."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        data, ensure_ascii=False, allow_nan=False, indent=indent, separators=separators
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def json_response(status: int, data: Any, *, indent: int | None = None) -> HandlerResponse:
    return HandlerResponse(
        status=status,
        headers=((b"content-type", JSON),),
        body=render_json(data, indent),
    )


def gateway_error(status: int, code: str, message: str) -> HandlerResponse:
    return json_response(status, error_body(code, message))


def _media_type(token: str) -> tuple[str, str, dict[str, str]]:
    full, *raw_params = token.split(";")
    main, _, sub = full.strip().lower().partition("/")
    params: dict[str, str] = {}
    for raw in raw_params:
        key, sep, value = raw.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"')
    return main, sub, params


class NotAcceptable(Exception):
    pass


def _precedence(main: str, sub: str, params: Mapping[str, str]) -> int:
    if main == "*":
        return 0
    if sub == "*":
        return 1
    return 2 if set(params) <= {"q"} else 3


def negotiate(accept: str | None) -> int | None:
    """DRF's content negotiation against its one renderer (``application/json``): the JSON
    indent the accepted media type asks for (``; indent=N``), or NotAcceptable. The content
    type of the reply is ``application/json`` whatever was accepted."""
    tokens = [token.strip() for token in (accept if accept is not None else "*/*").split(",")]
    best: tuple[int, dict[str, str]] | None = None
    for token in tokens:
        main, sub, params = _media_type(token)
        if main in ("application", "*") and sub in ("json", "*"):
            precedence = _precedence(main, sub, params)
            if best is None or precedence > best[0]:
                best = (precedence, params)
    if best is None:
        raise NotAcceptable
    params = best[1]
    try:
        return max(min(int(params["indent"]), 8), 0) or None
    except (KeyError, ValueError):
        return None


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


# --- the gRPC client ---------------------------------------------------------------------------

# gRPC backs off reconnecting up to 120 s by default and fails calls fast meanwhile: an inventory
# restarted after a few seconds would get 502s for minutes although health checks pass.
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
)
_channels: dict[str, tuple[asyncio.AbstractEventLoop, grpc.aio.Channel]] = {}


def _channel(address: str) -> grpc.aio.Channel:
    """One long-lived channel per instance and event loop (a grpc.aio channel is loop-bound)."""
    loop = asyncio.get_running_loop()
    cached = _channels.get(address)
    if cached is not None and cached[0] is loop:
        return cached[1]
    channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
    _channels[address] = (loop, channel)
    return channel


async def close_channels() -> None:
    """Close the channels opened on the running loop (the gateway's shutdown)."""
    loop = asyncio.get_running_loop()
    for address, (channel_loop, channel) in list(_channels.items()):
        if channel_loop is loop:
            await channel.close()
            del _channels[address]


def _trailer(error: grpc.aio.AioRpcError, key: str) -> str | bytes | None:
    for item_key, value in error.trailing_metadata() or ():
        if item_key == key:
            return value  # type: ignore[no-any-return]
    return None


def _not_found(error: grpc.aio.AioRpcError, indent: int | None) -> HandlerResponse:
    code = _trailer(error, "error-code")
    raw_details = _trailer(error, "error-details-bin")
    try:
        details = json.loads(raw_details) if isinstance(raw_details, bytes) else {}
    except ValueError:
        details = {}
    body = error_body(str(code or "not_found"), error.details() or "Not found.", details)
    return json_response(404, body, indent=indent)


# --- the handler -------------------------------------------------------------------------------


async def inventory_availability(
    request: HandlerRequest, upstreams: Upstreams, options: Mapping[str, Any]
) -> HandlerResponse:
    """``GET /api/v1/inventory/{sku}`` -> ``InventoryService.GetAvailability``.

    Options: ``upstreams: {inventory: <grpc upstream>}``, ``timeout`` (seconds, default 2).
    """
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    if query.get("format") not in (None, "", "json"):  # DRF: no renderer for that format
        return gateway_error(404, "not_found", "Not found.")
    try:
        indent = negotiate(_header(request.headers, b"accept"))
    except NotAcceptable:
        message = "Could not satisfy the request Accept header."
        return gateway_error(406, "not_acceptable", message)

    sku = unquote(request.path_params["sku"])
    upstream = options["upstreams"]["inventory"]
    try:
        address = upstreams.pick_address(upstream)
    except UpstreamUnavailable:
        return gateway_error(503, "service_unavailable", f"No healthy instance of {upstream}.")
    metadata = tuple(
        (key.lower().decode(), value.decode())
        for key, value in request.headers
        if key.lower() in FORWARDED_METADATA and _PRINTABLE.fullmatch(value)
    )
    stub = inventory_pb2_grpc.InventoryServiceStub(_channel(address))
    try:
        reply = await stub.GetAvailability(
            inventory_pb2.GetAvailabilityRequest(sku=sku),
            timeout=float(options.get("timeout", 2.0)),
            metadata=metadata,
        )
    except grpc.aio.AioRpcError as error:
        status = error.code()
        if status == grpc.StatusCode.NOT_FOUND:
            return _not_found(error, indent)
        if status == grpc.StatusCode.DEADLINE_EXCEEDED:
            return gateway_error(504, "gateway_timeout", f"{upstream} did not answer in time.")
        if status == grpc.StatusCode.INVALID_ARGUMENT:
            return gateway_error(400, "bad_request", error.details() or "Bad request.")
        logger.warning("gRPC %s from %s (%s): %s", status.name, upstream, address, error.details())
        return gateway_error(502, "bad_gateway", f"{upstream} failed to answer.")
    data = {
        "sku": reply.sku,
        "on_hand": reply.on_hand,
        "reserved": reply.reserved,
        "available": reply.available,
    }
    return json_response(200, data, indent=indent)

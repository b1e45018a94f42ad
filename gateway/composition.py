"""API composition: ``GET /api/v1/orders/{order_id}/summary`` = the order, its payment and its
notifications, fetched concurrently from the services' public endpoints and merged::

    {"order": {...}, "payment": {...} | null, "notifications": [...],
     "partial": false, "missing": []}

The order is the essential part: if it fails, its answer is the answer (404 stays 404, 401
stays 401; timeout -> 504, unreachable -> 502) and the other calls are cancelled. The payment
and the notifications are extras: when one times out, is unreachable or answers an error, the
summary is still a 200, with ``partial: true`` and ``{"part": ..., "reason": "timeout" |
"unavailable" | "error"}`` in ``missing``.

Every call carries the caller's ``Authorization`` (the services scope their answers to the
token's customer, so a summary can never show another customer's data), ``X-User-Id``,
``X-Request-ID`` and ``traceparent``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gateway.handlers import (
    HandlerRequest,
    HandlerResponse,
    UpstreamReply,
    Upstreams,
    UpstreamTimeout,
    UpstreamUnavailable,
)

logger = logging.getLogger(__name__)

FORWARDED = frozenset(
    {
        b"authorization",
        b"x-user-id",
        b"x-request-id",
        b"traceparent",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"accept-language",
    }
)
PASSED_BACK = frozenset({b"content-type", b"www-authenticate", b"retry-after"})
JSON = b"application/json"
PAGE_SIZE = 100  # the services' maximum page size


class PartFailed(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # timeout | unavailable | error
        self.detail = detail


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _error(status: int, code: str, message: str) -> HandlerResponse:
    body = {"error": {"code": code, "message": message, "details": {}}}
    return HandlerResponse(status=status, headers=((b"content-type", JSON),), body=_json(body))


async def _get(
    upstreams: Upstreams,
    upstream: str,
    path: str,
    headers: Sequence[tuple[bytes, bytes]],
    timeout: float,
) -> UpstreamReply:
    """One GET; every way it can fail becomes a :class:`PartFailed` with its reason."""
    try:
        # The port promises to honour ``timeout``; the outer bound makes that a guarantee.
        return await asyncio.wait_for(
            upstreams.request(upstream, "GET", path, headers=headers, timeout=timeout),
            timeout + 0.5,
        )
    except (UpstreamTimeout, TimeoutError) as exc:
        raise PartFailed("timeout", f"{upstream} {path}: no answer in {timeout}s") from exc
    except UpstreamUnavailable as exc:
        raise PartFailed("unavailable", f"{upstream} {path}: {exc}") from exc


def _json_body(reply: UpstreamReply, what: str) -> Any:
    if reply.status != 200:
        raise PartFailed("error", f"{what} answered {reply.status}")
    try:
        return json.loads(reply.body)
    except ValueError as exc:
        raise PartFailed("error", f"{what} answered a body that is not JSON") from exc


def _results_for(page: Any, order_id: int, what: str) -> list[dict[str, Any]]:
    """The page's items of this order. Filtered here too, so a service that ignores the
    ``order_id`` query parameter still cannot put another order's items in the summary."""
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise PartFailed("error", f"{what} answered an unexpected body")
    return [
        item
        for item in page["results"]
        if isinstance(item, dict) and item.get("order_id") == order_id
    ]


def choose_payment(payments: list[dict[str, Any]], order: Mapping[str, Any]) -> Any:
    """The order's payment: the one the order names, else an approved (or refunded) attempt,
    else the latest attempt (the list is newest first), else None - as the monolith's
    ``payment_for_order`` picks it."""
    named = order.get("payment_id")
    for payment in payments:
        if named is not None and payment.get("id") == named:
            return payment
    for payment in payments:
        if payment.get("status") in ("approved", "refunded"):
            return payment
    return payments[0] if payments else None


async def order_summary(
    request: HandlerRequest, upstreams: Upstreams, options: Mapping[str, Any]
) -> HandlerResponse:
    """Options: ``upstreams: {orders, payments, notifications}`` (upstream names) and
    ``part_timeout`` (seconds for each call, default 2)."""
    order_id = int(request.path_params["order_id"])
    names: Mapping[str, str] = options["upstreams"]
    timeout = float(options.get("part_timeout", 2.0))
    headers = [(k, v) for k, v in request.headers if k.lower() in FORWARDED]
    headers.append((b"accept", JSON))

    order_call = asyncio.ensure_future(
        _get(upstreams, names["orders"], f"/api/v1/orders/{order_id}", headers, timeout)
    )
    query = f"order_id={order_id}&page_size={PAGE_SIZE}"
    extras = {
        "payment": asyncio.ensure_future(
            _get(upstreams, names["payments"], f"/api/v1/payments?{query}", headers, timeout)
        ),
        "notifications": asyncio.ensure_future(
            _get(
                upstreams,
                names["notifications"],
                f"/api/v1/notifications?{query}",
                headers,
                timeout,
            )
        ),
    }
    try:
        order_reply = await order_call
    except PartFailed as failed:
        _cancel(extras.values())
        logger.warning("order summary %s: the order part failed: %s", order_id, failed.detail)
        if failed.reason == "timeout":
            return _error(504, "gateway_timeout", "The order service did not answer in time.")
        return _error(502, "bad_gateway", "The order service could not be reached.")
    except BaseException:
        _cancel(extras.values())
        raise
    if order_reply.status != 200:
        _cancel(extras.values())
        passed = [(k, v) for k, v in order_reply.headers if k.lower() in PASSED_BACK]
        return HandlerResponse(status=order_reply.status, headers=passed, body=order_reply.body)
    try:
        order = json.loads(order_reply.body)
    except ValueError:
        _cancel(extras.values())
        return _error(502, "bad_gateway", "The order service answered a body that is not JSON.")

    payment: Any = None
    notifications: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for part, call in extras.items():
        try:
            page = _json_body(await call, part)
            items = _results_for(page, order_id, part)
        except PartFailed as failed:
            logger.warning("order summary %s: %s part missing: %s", order_id, part, failed.detail)
            missing.append({"part": part, "reason": failed.reason})
            continue
        if part == "payment":
            payment = choose_payment(items, order)
        else:
            notifications = items
    summary = {
        "order": order,
        "payment": payment,
        "notifications": notifications,
        "partial": bool(missing),
        "missing": missing,
    }
    return HandlerResponse(status=200, headers=((b"content-type", JSON),), body=_json(summary))


def _cancel(calls: Iterable[asyncio.Future[UpstreamReply]]) -> None:
    """Stop the calls whose answer is no longer wanted (and collect any already failed)."""
    for call in calls:
        if not call.done():
            call.cancel()
        elif not call.cancelled():
            call.exception()

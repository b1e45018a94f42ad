"""Order summary composition: three concurrent calls through the Upstreams port, one merge."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import pytest

from gateway.composition import choose_payment, order_summary
from gateway.handlers import (
    HandlerRequest,
    HandlerResponse,
    UpstreamReply,
    UpstreamTimeout,
    UpstreamUnavailable,
)

OPTIONS = {
    "upstreams": {"orders": "orders-svc", "payments": "payments-svc", "notifications": "notif"},
    "part_timeout": 2.0,
}
JSON_HEADERS = ((b"content-type", b"application/json"),)

ORDER = {"id": 7, "status": "paid", "total": "12.00", "payment_id": 31}
PAYMENTS = [
    {"id": 32, "order_id": 8, "status": "approved"},
    {"id": 31, "order_id": 7, "status": "approved"},
    {"id": 30, "order_id": 7, "status": "declined"},
]
NOTIFICATIONS = [
    {"id": 5, "order_id": 7, "kind": "order_paid"},
    {"id": 4, "order_id": 9, "kind": "order_paid"},
    {"id": 3, "order_id": 7, "kind": "order_placed"},
]

Answer = Callable[[], Awaitable[UpstreamReply]]


def ok(data: Any) -> Answer:
    async def answer() -> UpstreamReply:
        return UpstreamReply(status=200, headers=JSON_HEADERS, body=json.dumps(data).encode())

    return answer


def page(results: list[dict[str, Any]]) -> Answer:
    return ok({"count": len(results), "next": None, "previous": None, "results": results})


def status(code: int, body: bytes, headers: Sequence[tuple[bytes, bytes]] = JSON_HEADERS) -> Answer:
    async def answer() -> UpstreamReply:
        return UpstreamReply(status=code, headers=headers, body=body)

    return answer


def raises(exc: Exception) -> Answer:
    async def answer() -> UpstreamReply:
        raise exc

    return answer


def hangs() -> Answer:
    """An upstream that never answers and ignores the timeout it was given."""

    async def answer() -> UpstreamReply:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return answer


class FakeUpstreams:
    """The Upstreams port with one scripted answer per part; records every call."""

    def __init__(self, **answers: Answer) -> None:
        self.answers = {"orders": ok(ORDER), "payments": page(PAYMENTS)}
        self.answers["notifications"] = page(NOTIFICATIONS)
        self.answers.update(answers)
        self.calls: list[tuple[str, str, str, dict[bytes, bytes]]] = []
        self.cancelled: list[str] = []

    async def request(
        self,
        upstream: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        timeout: float,
    ) -> UpstreamReply:
        part = path.split("?")[0].split("/")[3]
        self.calls.append((upstream, method, path, dict(headers)))
        try:
            return await self.answers[part]()
        except asyncio.CancelledError:
            self.cancelled.append(part)
            raise

    def pick_address(self, upstream: str) -> str:
        raise AssertionError("composition speaks HTTP only")


def request_for(order_id: str = "7") -> HandlerRequest:
    return HandlerRequest(
        method="GET",
        path=f"/api/v1/orders/{order_id}/summary",
        query="",
        path_params={"order_id": order_id},
        headers=(
            (b"authorization", b"Bearer token-of-ada"),
            (b"x-user-id", b"42"),
            (b"x-request-id", b"req-1"),
            (b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            (b"cookie", b"sessionid=secret"),
            (b"accept", b"text/html"),
        ),
        body=b"",
        identity=None,
        request_id="req-1",
    )


def summarise(
    upstreams: FakeUpstreams, options: Mapping[str, Any] = OPTIONS
) -> tuple[HandlerResponse, Any]:
    async def run() -> HandlerResponse:
        response = await order_summary(request_for(), upstreams, options)
        await asyncio.sleep(0)  # let cancelled calls finish unwinding
        return response

    response = asyncio.run(run())
    return response, json.loads(response.body)


# --- the whole summary ---------------------------------------------------------------------------


def test_the_summary_merges_order_payment_and_notifications() -> None:
    response, body = summarise(FakeUpstreams())

    assert response.status == 200
    assert (b"content-type", b"application/json") in response.headers
    assert body == {
        "order": ORDER,
        "payment": PAYMENTS[1],
        "notifications": [NOTIFICATIONS[0], NOTIFICATIONS[2]],
        "partial": False,
        "missing": [],
    }


def test_the_three_parts_are_fetched_concurrently() -> None:
    started = asyncio.Event()
    upstreams: FakeUpstreams

    def waiting_for_all(answer: Answer) -> Answer:
        async def wrapped() -> UpstreamReply:
            if len(upstreams.calls) == 3:
                started.set()
            await asyncio.wait_for(started.wait(), timeout=5)  # sequential calls would hang
            return await answer()

        return wrapped

    upstreams = FakeUpstreams(
        orders=waiting_for_all(ok(ORDER)),
        payments=waiting_for_all(page(PAYMENTS)),
        notifications=waiting_for_all(page(NOTIFICATIONS)),
    )

    response, body = summarise(upstreams)

    assert response.status == 200 and body["partial"] is False


def test_each_call_goes_to_its_upstream_with_the_order_filter() -> None:
    upstreams = FakeUpstreams()

    summarise(upstreams)

    assert sorted((u, m, p) for u, m, p, _ in upstreams.calls) == [
        ("notif", "GET", "/api/v1/notifications?order_id=7&page_size=100"),
        ("orders-svc", "GET", "/api/v1/orders/7"),
        ("payments-svc", "GET", "/api/v1/payments?order_id=7&page_size=100"),
    ]


def test_the_callers_identity_and_trace_travel_with_every_call() -> None:
    upstreams = FakeUpstreams()

    summarise(upstreams)

    assert len(upstreams.calls) == 3  # the order, its payments, its notifications
    for _, _, _, headers in upstreams.calls:
        assert headers[b"authorization"] == b"Bearer token-of-ada"
        assert headers[b"x-user-id"] == b"42"
        assert headers[b"x-request-id"] == b"req-1"
        assert headers[b"traceparent"].startswith(b"00-0af7651916cd43dd")
        assert headers[b"accept"] == b"application/json"
        assert b"cookie" not in headers


def test_items_of_other_orders_never_reach_the_summary() -> None:
    upstreams = FakeUpstreams(
        payments=page([{"id": 32, "order_id": 8, "status": "approved"}]),
        notifications=page([{"id": 4, "order_id": 9}, {"id": 1, "order_id": "7"}]),
    )

    _, body = summarise(upstreams)

    assert body["payment"] is None
    assert body["notifications"] == []
    assert body["partial"] is False


# --- the order part decides ----------------------------------------------------------------------


def test_an_order_that_is_not_found_stays_a_404_and_stops_the_other_calls() -> None:
    not_found = b'{"error":{"code":"order_not_found","message":"Order not found.","details":{}}}'
    upstreams = FakeUpstreams(
        orders=status(404, not_found), payments=hangs(), notifications=hangs()
    )

    response, _ = summarise(upstreams)

    assert response.status == 404
    assert response.body == not_found
    assert (b"content-type", b"application/json") in response.headers
    assert sorted(upstreams.cancelled) == ["notifications", "payments"]


def test_an_unauthenticated_order_stays_a_401_with_its_challenge() -> None:
    body = b'{"error":{"code":"invalid_token","message":"Token has expired.","details":{}}}'
    headers = (*JSON_HEADERS, (b"www-authenticate", b"Bearer"), (b"x-frame-options", b"DENY"))
    upstreams = FakeUpstreams(orders=status(401, body, headers))

    response, _ = summarise(upstreams)

    assert response.status == 401
    assert dict(response.headers) == {
        b"content-type": b"application/json",
        b"www-authenticate": b"Bearer",
    }


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (raises(UpstreamTimeout("slow")), (504, "gateway_timeout")),
        (hangs(), (504, "gateway_timeout")),
        (raises(UpstreamUnavailable("refused")), (502, "bad_gateway")),
        (status(200, b"<html>oops</html>"), (502, "bad_gateway")),
    ],
)
def test_an_order_part_that_fails_fails_the_summary(
    failure: Answer, expected: tuple[int, str]
) -> None:
    upstreams = FakeUpstreams(orders=failure)

    response, body = summarise(upstreams, {**OPTIONS, "part_timeout": 0.05})

    assert (response.status, body["error"]["code"]) == expected
    assert set(body["error"]) == {"code", "message", "details"}


# --- the extras degrade to a partial summary -----------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (raises(UpstreamTimeout("slow")), "timeout"),
        (hangs(), "timeout"),
        (raises(UpstreamUnavailable("refused")), "unavailable"),
        (status(500, b'{"error":{"code":"internal_error"}}'), "error"),
        (status(200, b"not json"), "error"),
        (ok({"unexpected": "shape"}), "error"),
    ],
)
def test_a_failing_payment_part_gives_a_partial_summary(failure: Answer, reason: str) -> None:
    response, body = summarise(FakeUpstreams(payments=failure), {**OPTIONS, "part_timeout": 0.05})

    assert response.status == 200
    assert body["order"] == ORDER
    assert body["payment"] is None
    assert body["notifications"] == [NOTIFICATIONS[0], NOTIFICATIONS[2]]
    assert body["partial"] is True
    assert body["missing"] == [{"part": "payment", "reason": reason}]


def test_a_failing_notifications_part_gives_a_partial_summary() -> None:
    upstreams = FakeUpstreams(notifications=raises(UpstreamUnavailable("no healthy instance")))

    response, body = summarise(upstreams)

    assert response.status == 200
    assert body["payment"] == PAYMENTS[1]
    assert body["notifications"] == []
    assert body["missing"] == [{"part": "notifications", "reason": "unavailable"}]


def test_both_extras_missing_are_both_marked() -> None:
    upstreams = FakeUpstreams(payments=hangs(), notifications=raises(UpstreamTimeout("slow")))

    response, body = summarise(upstreams, {**OPTIONS, "part_timeout": 0.05})

    assert response.status == 200
    assert body["partial"] is True
    assert body["missing"] == [
        {"part": "payment", "reason": "timeout"},
        {"part": "notifications", "reason": "timeout"},
    ]


# --- which payment is the order's ----------------------------------------------------------------


def test_the_payment_the_order_names_wins() -> None:
    payments = [{"id": 2, "status": "declined"}, {"id": 1, "status": "approved"}]

    assert choose_payment(payments, {"payment_id": 2}) == payments[0]


def test_without_a_named_payment_an_approved_or_refunded_one_wins() -> None:
    payments = [{"id": 3, "status": "declined"}, {"id": 2, "status": "refunded"}]

    assert choose_payment(payments, {"payment_id": None}) == payments[1]


def test_otherwise_the_latest_attempt_and_else_none() -> None:
    payments = [{"id": 3, "status": "declined"}, {"id": 2, "status": "declined"}]

    assert choose_payment(payments, {}) == payments[0]
    assert choose_payment([], {}) is None

"""One customer's journey through the public HTTP API, as any client would drive it.

The demo prints it as a table; the e2e tests run it against every stage and assert on it.
Only HTTP is used, so the same journey works whatever sits behind the base URL.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

ADDRESS = {
    "full_name": "Sari Wijaya",
    "line1": "Jl. Braga No. 12",
    "line2": "",
    "city": "Bandung",
    "postal_code": "40111",
    "country": "ID",
    "is_default": True,
}


class JourneyFailed(AssertionError):
    """A step of the journey did not get what a client expects."""


@dataclass
class Step:
    name: str
    request: str
    status: int
    outcome: str


@dataclass
class JourneyReport:
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class Journey:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        email_deadline: float = 60.0,
        max_rate_limit_wait: float = 60.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.max_rate_limit_wait = max_rate_limit_wait
        self.http = requests.Session()
        self.timeout = timeout
        self.email_deadline = email_deadline
        self.report = JourneyReport()

    def _call(
        self, name: str, method: str, path: str, expect: int, **kwargs: Any
    ) -> requests.Response:
        response = self.http.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        waited = 0.0
        while response.status_code == 429 and waited < self.max_rate_limit_wait:
            # A well-behaved client honours the gateway's Retry-After instead of failing.
            pause = min(float(response.headers.get("Retry-After", "1")), 10.0)
            time.sleep(pause)
            waited += pause
            response = self.http.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        if response.status_code != expect:
            raise JourneyFailed(
                f"step {name!r}: {method} {path} answered {response.status_code}, "
                f"expected {expect}: {response.text[:500]}"
            )
        return response

    def _record(self, name: str, request: str, status: int, outcome: str) -> None:
        self.report.steps.append(Step(name, request, status, outcome))

    def run(self) -> JourneyReport:
        facts = self.report.facts
        email = f"shopper-{uuid.uuid4().hex[:10]}@example.com"
        password = "correct-horse-battery"

        r = self._call(
            "register",
            "POST",
            "/api/v1/auth/register",
            201,
            json={"email": email, "password": password, "full_name": "Sari Wijaya"},
        )
        facts["customer_id"] = r.json()["customer"]["id"]
        self._record("register", "POST /api/v1/auth/register", r.status_code, email)

        r = self._call(
            "log in", "POST", "/api/v1/auth/token", 200, json={"email": email, "password": password}
        )
        self.http.headers["Authorization"] = f"Bearer {r.json()['access']}"
        self._record("log in", "POST /api/v1/auth/token", r.status_code, "JWT access + refresh")

        r = self._call(
            "add address",
            "POST",
            "/api/v1/me/addresses",
            201,
            json=ADDRESS,
        )
        self._record("add address", "POST /api/v1/me/addresses", r.status_code, "Bandung, ID")

        r = self._call("browse", "GET", "/api/v1/products", 200)
        products = r.json()
        sku, name = self._pick_product_in_stock(products["results"])
        self._record(
            "browse",
            "GET /api/v1/products",
            r.status_code,
            f"{products['count']} products; picked {sku}",
        )

        before = self._call("stock before", "GET", f"/api/v1/inventory/{sku}", 200).json()
        facts.update(sku=sku, product=name, stock_before=before["on_hand"])

        r = self._call(
            "add to cart", "POST", "/api/v1/cart/items", 201, json={"sku": sku, "quantity": 2}
        )
        self._record("add to cart", "POST /api/v1/cart/items", r.status_code, f"2 x {name}")

        key = f"journey-{uuid.uuid4()}"
        body = {"card_token": "tok_visa"}
        # A traced client: the checkout starts a W3C trace of the journey's own, which every
        # service continues (python -m strangler trace show <checkout_trace_id>).
        trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        r = self._call(
            "check out",
            "POST",
            "/api/v1/checkout",
            201,
            json=body,
            headers={"Idempotency-Key": key, "traceparent": f"00-{trace_id}-{span_id}-01"},
        )
        order = r.json()
        facts.update(order_id=order["id"], order_status=order["status"], total=order["total"])
        facts.update(checkout_trace_id=trace_id, checkout_client_span_id=span_id)
        self._record(
            "check out",
            "POST /api/v1/checkout",
            r.status_code,
            f"order {order['id']} {order['status']}, total {order['total']}",
        )

        r = self._call(
            "repeat check out",
            "POST",
            "/api/v1/checkout",
            201,
            json=body,
            headers={"Idempotency-Key": key},
        )
        replayed = r.json()
        if replayed["id"] != order["id"] or r.headers.get("Idempotent-Replayed") != "true":
            raise JourneyFailed(f"the repeated checkout was not a replay: {replayed}")
        facts["replayed_order_id"] = replayed["id"]
        self._record(
            "repeat check out",
            "POST /api/v1/checkout (same key)",
            r.status_code,
            f"replayed order {replayed['id']}; charged once",
        )

        after = self._wait_for_stock(sku, before["on_hand"] - 2)
        facts["stock_after"] = after["on_hand"]
        self._record(
            "stock",
            f"GET /api/v1/inventory/{sku}",
            200,
            f"on hand {before['on_hand']} -> {after['on_hand']}",
        )

        payments = self._call("payments", "GET", "/api/v1/payments", 200).json()
        facts["payments"] = payments["count"]
        if payments["count"] != 1:
            raise JourneyFailed(f"expected one payment, found {payments['count']}")
        self._record("payments", "GET /api/v1/payments", 200, "1 approved payment")

        mails = self._wait_for_emails(order["id"], kinds=("order_received", "order_paid"))
        facts["email_status"] = mails["order_paid"]["status"]
        facts["emails"] = {kind: mail["subject"] for kind, mail in mails.items()}
        self._record(
            "e-mails",
            "GET /api/v1/notifications",
            200,
            "; ".join(f"{mail['subject']!r} {mail['status']}" for mail in mails.values()),
        )
        return self.report

    def _pick_product_in_stock(self, products: list[dict[str, Any]]) -> tuple[str, str]:
        for product in products:
            stock = self._call("stock", "GET", f"/api/v1/inventory/{product['sku']}", 200).json()
            if stock["available"] >= 2:
                return product["sku"], product["name"]
        raise JourneyFailed("no product on the first page has 2 units available")

    def _wait_for_stock(self, sku: str, on_hand: int) -> dict[str, Any]:
        """The paid units leave the stock: at once where the checkout commits them in process,
        shortly after where the inventory service commits them on ``order.paid``."""
        deadline = time.monotonic() + self.email_deadline
        while True:
            after = self._call("stock after", "GET", f"/api/v1/inventory/{sku}", 200).json()
            if after["on_hand"] == on_hand:
                return after
            if after["on_hand"] < on_hand or time.monotonic() > deadline:
                raise JourneyFailed(f"stock went from {on_hand + 2} to {after['on_hand']}")
            time.sleep(0.1)

    def _wait_for_emails(self, order_id: int, kinds: tuple[str, ...]) -> dict[str, Any]:
        """The order's notification of each kind, once every one of them is sent."""
        deadline = time.monotonic() + self.email_deadline
        last: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            last = self._call("notifications", "GET", "/api/v1/notifications", 200).json()[
                "results"
            ]
            sent = {
                item["kind"]: item
                for item in last
                if item.get("order_id") == order_id and item["status"] == "sent"
            }
            if set(kinds) <= sent.keys():
                return {kind: sent[kind] for kind in kinds}
            time.sleep(0.25)
        raise JourneyFailed(
            f"the order's e-mails ({', '.join(kinds)}) were not all sent within "
            f"{self.email_deadline:.0f}s (is the Celery worker running?); "
            f"notifications seen: {last}"
        )

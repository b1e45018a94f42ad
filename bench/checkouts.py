"""Checkout load over HTTP: customers that add an item to their cart and check out, in a loop.

Each client thread is one customer with its own session and cart (a cart is per customer),
so the threads never wait on each other's rows; what is measured is the server's checkout.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from strangler.stages.journey import ADDRESS


class LoadFailed(RuntimeError):
    """The shop answered something a checkout client does not expect."""


def _expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise LoadFailed(f"{what}: {response.status_code} {response.text[:300]}")
    return response


def customer(base_url: str) -> str:
    """Register a customer with a default address; its bearer token."""
    http = requests.Session()
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct-horse-battery"
    body = {"email": email, "password": password, "full_name": "Bench Shopper"}
    _expect(http.post(f"{base_url}/api/v1/auth/register", json=body, timeout=30), 201, "register")
    login = {"email": email, "password": password}
    reply = _expect(
        http.post(f"{base_url}/api/v1/auth/token", json=login, timeout=30), 200, "login"
    )
    token = str(reply.json()["access"])
    headers = {"Authorization": f"Bearer {token}"}
    address = http.post(
        f"{base_url}/api/v1/me/addresses", json=ADDRESS, headers=headers, timeout=30
    )
    _expect(address, 201, "address")
    return token


@dataclass
class LoadResult:
    checkouts: int
    seconds: float
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.checkouts / self.seconds if self.seconds else 0.0


def checkout_load(base_url: str, tokens: list[str], sku: str, seconds: float) -> LoadResult:
    """Every customer adds one ``sku`` and checks out, again and again, for ``seconds``."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    result = LoadResult(checkouts=0, seconds=seconds)

    def shop(token: str) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < stop_at:
            try:
                item = {"sku": sku, "quantity": 1}
                _expect(
                    http.post(f"{base_url}/api/v1/cart/items", json=item, timeout=30), 201, "cart"
                )
                reply = http.post(
                    f"{base_url}/api/v1/checkout",
                    json={"card_token": "tok_visa"},
                    headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
                    timeout=30,
                )
                _expect(reply, 201, "checkout")
            except (LoadFailed, requests.RequestException) as exc:
                with lock:
                    result.failures.append(str(exc))
                return
            with lock:
                result.checkouts += 1

    threads = [threading.Thread(target=shop, args=(token,), daemon=True) for token in tokens]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result

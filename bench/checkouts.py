"""Checkout load over HTTP: customers that add an item to their cart and check out, in a loop.

Each client thread is one customer with its own session and cart (a cart is per customer),
so the threads never wait on each other's rows; what is measured is the server's checkout.
:func:`run_clients` is the loop every load of the benches runs (``bench.floor``'s GETs too).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

from strangler.stages.journey import ADDRESS


class LoadFailed(RuntimeError):
    """The shop answered something a checkout client does not expect."""


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise LoadFailed(f"{what}: {response.status_code} {response.text[:300]}")
    return response


def customer(base_url: str, login_url: str | None = None) -> str:
    """Register a customer with a default address; its bearer token, from ``login_url`` where
    the stage's customers log in elsewhere (the identity service from stage 5)."""
    http = requests.Session()
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct-horse-battery"
    body = {"email": email, "password": password, "full_name": "Bench Shopper"}
    expect(http.post(f"{base_url}/api/v1/auth/register", json=body, timeout=30), 201, "register")
    login = {"email": email, "password": password}
    token_url = f"{login_url or base_url}/api/v1/auth/token"
    reply = expect(http.post(token_url, json=login, timeout=30), 200, "login")
    token = str(reply.json()["access"])
    headers = {"Authorization": f"Bearer {token}"}
    address = http.post(
        f"{base_url}/api/v1/me/addresses", json=ADDRESS, headers=headers, timeout=30
    )
    expect(address, 201, "address")
    return token


@dataclass
class LoadResult:
    done: int  # the units of work answered as expected (checkout pairs, GETs)
    seconds: float
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def run_clients(
    sessions: Sequence[requests.Session],
    unit: Callable[[requests.Session], object],
    seconds: float,
) -> LoadResult:
    """Each session, in a thread of its own, repeats ``unit`` (one unit of work, raising
    :class:`LoadFailed` or a ``requests`` error when it fails) for ``seconds``; the first
    failure is recorded and stops every client."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    result = LoadResult(done=0, seconds=seconds)

    def client(http: requests.Session) -> None:
        while time.monotonic() < stop_at and not result.failures:
            try:
                unit(http)
            except (LoadFailed, requests.RequestException) as exc:
                with lock:
                    result.failures.append(str(exc))
                return
            with lock:
                result.done += 1

    threads = [threading.Thread(target=client, args=(http,), daemon=True) for http in sessions]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def session(token: str | None = None) -> requests.Session:
    """A client's own session, signed in with ``token`` when one is given."""
    http = requests.Session()
    if token:
        http.headers["Authorization"] = f"Bearer {token}"
    return http


def checkout_load(base_url: str, tokens: list[str], sku: str, seconds: float) -> LoadResult:
    """Every customer adds one ``sku`` and checks out, again and again, for ``seconds``."""

    def pair(http: requests.Session) -> None:
        item = {"sku": sku, "quantity": 1}
        expect(http.post(f"{base_url}/api/v1/cart/items", json=item, timeout=30), 201, "cart")
        reply = http.post(
            f"{base_url}/api/v1/checkout",
            json={"card_token": "tok_visa"},
            headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
            timeout=30,
        )
        expect(reply, 201, "checkout")

    return run_clients([session(token) for token in tokens], pair, seconds)
